import { mayManageRole, roleAtLeast } from './roles';

describe('tenant roles', () => {
  it('ranks owner > admin > member > viewer', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('member', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'member')).toBe(false);
  });

  it.each([
    ['owner', 'owner', true],
    ['admin', 'owner', false],
    ['admin', 'admin', true],
    ['admin', 'viewer', true],
    ['member', 'viewer', false],
    ['viewer', 'viewer', false],
  ] as const)('%s may manage %s: %s', (actor, target, allowed) => expect(mayManageRole(actor, target)).toBe(allowed));
});
