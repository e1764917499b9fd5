import { DirectiveError, findMarker, NO_DIRECTIVES, resolveDirectives, splitModel } from './directives';

describe('directives', () => {
  it('costs nothing without a source', () => {
    expect(resolveDirectives(undefined, undefined, undefined)).toBe(NO_DIRECTIVES);
  });

  it('parses every key, with ";", "+" and "," separators', () => {
    expect(
      resolveDirectives(
        'status=503+headers_delay_ms=5',
        'chunk_delay_ms=7; drop_after=2, tokens=9',
        ' invalid_json, stream_error , tool_call ',
      ),
    ).toEqual({
      status: 503,
      headersDelayMs: 5,
      chunkDelayMs: 7,
      dropAfter: 2,
      tokens: 9,
      invalidJson: true,
      streamError: true,
      toolCall: true,
    });
  });

  it('lets later sources win: model name, then header, then marker', () => {
    expect(resolveDirectives('tokens=2+status=500', 'tokens=3', undefined)).toEqual({ tokens: 3, status: 500 });
    expect(resolveDirectives('tokens=2', 'tokens=3', 'tokens=4')).toEqual({ tokens: 4 });
    expect(resolveDirectives('tool_call', undefined, 'tool_call=false')).toEqual({ toolCall: false });
  });

  it.each([
    ['bogus=1', 'bogus'],
    ['status=200', 'status'],
    ['status=abc', 'status'],
    ['status', 'status'],
    ['tokens=0', 'tokens'],
    ['tokens=4097', 'tokens'],
    ['chunk_delay_ms=-5', 'chunk_delay_ms'],
    ['headers_delay_ms=60001', 'headers_delay_ms'],
    ['drop_after=1.5', 'drop_after'],
    ['tool_call=maybe', 'tool_call'],
  ])('rejects %p, naming the key', (spec, key) => {
    let caught: unknown;
    try {
      resolveDirectives(undefined, spec, undefined);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DirectiveError);
    expect((caught as DirectiveError).key).toBe(key);
    expect((caught as DirectiveError).message).toContain(`"${key}"`);
    expect((caught as DirectiveError).message).toContain('x-mock header');
  });

  it('splits the model name at its first "+"', () => {
    expect(splitModel('mock-fast')).toEqual({ model: 'mock-fast', spec: undefined });
    expect(splitModel('mock-fast+status=503+tokens=2')).toEqual({ model: 'mock-fast', spec: 'status=503+tokens=2' });
  });

  it('finds the first [[mock: ...]] marker in a string or in text parts', () => {
    expect(findMarker('no marker here')).toBeUndefined();
    expect(findMarker(undefined)).toBeUndefined();
    expect(findMarker('Say hi [[mock: tokens=3, tool_call]] please [[mock: status=500]]')).toBe(' tokens=3, tool_call');
    expect(findMarker([{ type: 'image_url' }, { type: 'text', text: 'x' }, { type: 'text', text: '[[mock:status=429]]' }])).toBe('status=429');
    expect(() => findMarker('[[mock: tokens=3')).toThrow(DirectiveError);
  });
});
