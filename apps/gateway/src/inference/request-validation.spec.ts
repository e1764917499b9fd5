import { withoutNullFields } from './request-validation';

describe('withoutNullFields', () => {
  it('drops top-level null fields and keeps every other value, in order', () => {
    const nested = { inner: null };
    const body = { model: 'm', stop: null, temperature: 0, stream: false, user: '', tools: null, metadata: nested };
    const kept = withoutNullFields(body);
    expect(Object.keys(kept)).toEqual(['model', 'temperature', 'stream', 'user', 'metadata']);
    expect(kept['metadata']).toBe(nested);
    expect(body.stop).toBeNull();
  });

  it('keeps an own __proto__ field a field, never the copy’s prototype', () => {
    const body = JSON.parse('{"model":"m","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const kept = withoutNullFields(body);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect((kept as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(kept, '__proto__')?.value).toEqual({ polluted: true });
  });
});
