import { presentedApiKey } from './presented-api-key';

describe('presentedApiKey', () => {
  it('reads a Bearer or Token credential, case-insensitively, and x-api-key', () => {
    expect(presentedApiKey({ authorization: 'Bearer slk_live_abc' })).toBe('slk_live_abc');
    expect(presentedApiKey({ authorization: 'bearer  slk_live_abc ' })).toBe('slk_live_abc');
    expect(presentedApiKey({ authorization: 'Token slk_live_abc' })).toBe('slk_live_abc');
    expect(presentedApiKey({ authorization: 'token slk_live_abc' })).toBe('slk_live_abc');
    expect(presentedApiKey({ 'x-api-key': 'slk_test_xyz' })).toBe('slk_test_xyz');
  });

  it('prefers Authorization and finds nothing in other schemes or empty headers', () => {
    expect(presentedApiKey({ authorization: 'Bearer one', 'x-api-key': 'two' })).toBe('one');
    expect(presentedApiKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeNull();
    expect(presentedApiKey({ authorization: 'Tokens slk_live_abc' })).toBeNull();
    expect(presentedApiKey({ 'x-api-key': '  ' })).toBeNull();
    expect(presentedApiKey({})).toBeNull();
  });
});
