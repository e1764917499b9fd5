import { isUuid } from './ids';

describe('isUuid', () => {
  it.each(['00000000-0000-0000-0000-000000000000', '3f2504e0-4f89-41d3-9a0c-0305e82c3301', '3F2504E0-4F89-11D3-9A0C-0305E82C3301'])('accepts %s', (value) => {
    expect(isUuid(value)).toBe(true);
  });

  it.each(['', 'acme-corp', '3f2504e0-4f89-41d3-9a0c-0305e82c330', '3f2504e0-4f89-41d3-9a0c-0305e82c33011', '3f2504e04f8941d39a0c0305e82c3301', ' 3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'g f2504e0-4f89-41d3-9a0c-0305e82c3301', 42, null, undefined])(
    'refuses %p',
    (value) => {
      expect(isUuid(value)).toBe(false);
    },
  );
});
