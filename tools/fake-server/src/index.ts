export { ConfigError, parseHost, parsePort, parseWholeNumber } from './config';
export { closer, listen, urlHost } from './listen';
export { runFakeServer, type ProcessLike } from './run';
