import { grantedScopes, hasScope, roleOfKeyScopes, scopesBeyondRole, scopesWithinRole } from './scopes';

describe('the key scope lattice', () => {
  it('lets write imply read and inference, so ["read", "write"] keys chat', () => {
    expect(grantedScopes(['read', 'write'])).toEqual(['inference', 'read', 'write']);
    expect(hasScope(['read', 'write'], 'inference')).toBe(true);
    expect(hasScope(['write'], 'read')).toBe(true);
  });

  it('gives read and inference nothing more', () => {
    expect(grantedScopes(['read'])).toEqual(['read']);
    expect(hasScope(['read'], 'inference')).toBe(false);
    expect(hasScope(['inference'], 'read')).toBe(false);
  });

  it('maps key scopes to the role they act with on the control plane', () => {
    expect(roleOfKeyScopes(['inference'])).toBeNull();
    expect(roleOfKeyScopes(['inference', 'read'])).toBe('viewer');
    expect(roleOfKeyScopes(['read', 'write'])).toBe('admin');
    expect(roleOfKeyScopes(['write'])).toBe('admin');
  });
});

describe('keys never exceed their owner role', () => {
  it.each([
    ['owner', ['read', 'write'], []],
    ['admin', ['write'], []],
    ['member', ['inference', 'read'], []],
    ['member', ['read', 'write'], ['write']],
    ['viewer', ['inference'], ['inference']],
  ] as const)('a %s asking for %j is refused %j', (role, scopes, beyond) => expect(scopesBeyondRole(scopes, role)).toEqual(beyond));

  it('keeps a key within its role unchanged', () => {
    expect(scopesWithinRole(['read', 'inference'], 'member')).toEqual(['read', 'inference']);
    expect(scopesWithinRole(['write'], 'owner')).toEqual(['write']);
  });

  it("narrows a demoted owner's write key to what it implied and the role allows", () => {
    expect(scopesWithinRole(['write'], 'member')).toEqual(['inference', 'read']);
    expect(scopesWithinRole(['read', 'write'], 'member')).toEqual(['inference', 'read']);
  });

  it('leaves nothing for a viewer or an owner who is gone', () => {
    expect(scopesWithinRole(['inference'], 'viewer')).toEqual([]);
    expect(scopesWithinRole(['read', 'write'], null)).toEqual([]);
  });
});
