export * from './lib/errors';
export * from './lib/health';
export * from './lib/messages';
export * from './lib/pagination';
export * from './lib/redis-names';
export * from './lib/projection';
