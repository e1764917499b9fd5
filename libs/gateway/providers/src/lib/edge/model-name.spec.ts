import { withModelName } from './model-name';

describe('withModelName', () => {
  const body = '{"id":"c1","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"message":{"content":"say \\"model\\":\\"x\\""}}]}';

  it('replaces the top-level model in the text, leaving every other byte as it was', () => {
    const out = withModelName(body, 'gpt-4o-2024-08-06', 'gpt-4o');
    expect(out).toBe(body.replace('"model":"gpt-4o-2024-08-06"', '"model":"gpt-4o"'));
    expect(JSON.parse(out ?? '')).toEqual({ ...JSON.parse(body), model: 'gpt-4o' });
  });

  it('returns the text itself when the names agree', () => {
    expect(withModelName(body, 'gpt-4o-2024-08-06', 'gpt-4o-2024-08-06')).toBe(body);
  });

  it('escapes the new name as JSON', () => {
    expect(JSON.parse(withModelName(body, 'gpt-4o-2024-08-06', 'a"b\\c') ?? '').model).toBe('a"b\\c');
  });

  it('gives up where the field is not unambiguous: spaced, or there twice', () => {
    expect(withModelName('{"model": "m","choices":[]}', 'm', 'n')).toBeUndefined();
    expect(withModelName('{"model":"m","extra":{"model":"m"}}', 'm', 'n')).toBeUndefined();
  });

  it('is not fooled by the field’s text inside a string value, where its quotes are escaped', () => {
    expect(withModelName('{"content":"\\"model\\":\\"m\\"","model":"m"}', 'm', 'n')).toBe('{"content":"\\"model\\":\\"m\\"","model":"n"}');
  });
});
