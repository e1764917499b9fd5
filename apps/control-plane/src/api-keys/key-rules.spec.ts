import { isCidr, limitProblems } from './key-rules';

describe('isCidr', () => {
  it.each(['10.0.0.0/8', '192.168.1.7/32', '0.0.0.0/0', '203.0.113.7', '2001:db8::/32', '::1/128', '::/0', 'fe80::1'])('accepts %s', (value) => {
    expect(isCidr(value)).toBe(true);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0/8', '256.1.1.1/8', 'example.com', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/08x', '', 42, null])(
    'refuses %p',
    (value) => {
      expect(isCidr(value)).toBe(false);
    },
  );
});

describe('limitProblems', () => {
  it('accepts limits within every ceiling and limits no ceiling sets', () => {
    expect(limitProblems({ rpm: 10, tpd: 1_000_000 }, [{ owner: 'tenant', limits: { rpm: 10, tpd: null } }])).toEqual({});
  });

  it('reports each limit above the tenant or team ceiling', () => {
    expect(
      limitProblems({ rpm: 11, max_concurrency: 3 }, [
        { owner: 'tenant', limits: { rpm: 10 } },
        { owner: 'team', limits: { rpm: 5, max_concurrency: 2 } },
      ]),
    ).toEqual({
      'limits.rpm': ["must not exceed the tenant's limit of 10", "must not exceed the team's limit of 5"],
      'limits.max_concurrency': ["must not exceed the team's limit of 2"],
    });
  });
});
