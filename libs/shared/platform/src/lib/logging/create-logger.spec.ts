import pino from 'pino';
import { createLogger, standardOutput } from './create-logger';

describe('createLogger', () => {
  it('writes to standard output synchronously, without a thread pool round trip per line', () => {
    const destination = standardOutput() as unknown as { sync: boolean; fd: number };
    expect(destination.sync).toBe(true);
    expect(destination.fd).toBe(1);
  });

  it('uses that destination unless one is given', () => {
    const logger = createLogger({ service: 'test', level: 'info' });
    const stream = (logger as unknown as Record<symbol, { sync?: boolean; fd?: number }>)[pino.symbols.streamSym];
    expect(stream.sync).toBe(true);
    expect(stream.fd).toBe(1);
  });
});
