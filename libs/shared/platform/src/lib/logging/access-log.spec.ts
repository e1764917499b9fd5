import { Writable } from 'node:stream';
import { logRequestCompleted, type LoggedRequest } from './access-log';
import { createLogger } from './create-logger';

function capture(): { destination: Writable; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { destination, lines };
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

describe('the access log line', () => {
  const requests: Array<[string, LoggedRequest, number]> = [
    ['a plain answer', { id: 'c0a8f4b2-1d7e-4c3b-9e1f-2a3b4c5d6e7f', method: 'POST', url: '/v1/chat/completions', headers: { 'user-agent': 'OpenAI/JS 4.0' }, ip: '127.0.0.1' }, 200],
    ['a refusal, no user agent', { id: 'r-1', method: 'POST', url: '/v1/messages?x=1', headers: {}, ip: '10.0.0.1' }, 429],
    ['a failure, odd strings', { id: 'q"\\\u2028', method: 'POST', url: '/v1/x?email=jane%40example.com&é=1', headers: { 'user-agent': 'tab\there "quoted" \u0000 ☃' }, ip: undefined }, 502],
  ];

  it.each(requests)('is the line pino writes, for %s', (_case, request, status) => {
    const fast = capture();
    const viaPino = capture();
    const logger = createLogger({ service: 'gateway', level: 'info', destination: fast.destination, redact: false });
    // A child logger is not one createLogger made: its lines go through pino, with the same bindings.
    const reference = createLogger({ service: 'gateway', level: 'info', destination: viaPino.destination, redact: false }).child({});
    logRequestCompleted(logger, request, '/v1/chat/completions', status, 12.3456);
    logRequestCompleted(reference, request, '/v1/chat/completions', status, 12.3456);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(fast.lines).toHaveLength(1);
        expect(withoutTime(fast.lines[0])).toBe(withoutTime(viaPino.lines[0]));
        expect(JSON.parse(fast.lines[0])).toMatchObject({ service: 'gateway', msg: 'request completed', res: { status_code: status }, response_time_ms: 12.35 });
        resolve();
      }),
    );
  });

  it('writes nothing for a level that is off, and nothing for the probes', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ service: 'gateway', level: 'warn', destination, redact: false });
    const request: LoggedRequest = { id: 'i', method: 'POST', url: '/v1/chat/completions', headers: {}, ip: '127.0.0.1' };
    logRequestCompleted(logger, request, '/v1/chat/completions', 200, 1);
    logRequestCompleted(logger, { ...request, url: '/health/ready' }, '/health/ready', 503, 1);
    expect(lines).toHaveLength(0);
  });
});
