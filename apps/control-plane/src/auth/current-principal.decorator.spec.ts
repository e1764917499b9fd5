import type { ExecutionContext } from '@nestjs/common';
import { SluiceException } from '@sluice/platform';
import { principalOf } from './current-principal.decorator';
import type { Principal } from './principal';

function contextWith(user: Principal | undefined): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => ({ user }) }) } as unknown as ExecutionContext;
}

describe('principalOf', () => {
  it('refuses with 401 when no principal was authenticated, instead of handing the handler undefined', () => {
    expect(() => principalOf(contextWith(undefined))).toThrow(SluiceException);
    expect(() => principalOf(contextWith(undefined))).toThrow(expect.objectContaining({ code: 'unauthorized' }));
  });

  it('returns the authenticated principal', () => {
    const principal: Principal = { kind: 'api_key', keyId: 'k', tenantId: 't', ownerUserId: null, role: 'viewer', isPlatformAdmin: false };
    expect(principalOf(contextWith(principal))).toBe(principal);
  });
});
