import { permissionsFor } from './roles';

describe('permissionsFor', () => {
  it('gives a viewer no write action', () => {
    expect(permissionsFor('viewer', false)).toEqual({ manageKeys: false, manageMembers: false, buyCredits: false, manageTenant: false, platformAdmin: false });
  });

  it('grows with the role', () => {
    expect(permissionsFor('member', false)).toMatchObject({ manageKeys: true, manageMembers: false, manageTenant: false });
    expect(permissionsFor('admin', false)).toMatchObject({ manageKeys: true, manageMembers: true, manageTenant: true, buyCredits: false });
    expect(permissionsFor('owner', false)).toMatchObject({ buyCredits: true, platformAdmin: false });
  });

  it('gives a platform admin everything, member or not', () => {
    expect(permissionsFor(null, true)).toEqual({ manageKeys: true, manageMembers: true, buyCredits: true, manageTenant: true, platformAdmin: true });
  });

  it('gives someone outside the tenant nothing', () => {
    expect(Object.values(permissionsFor(null, false)).some(Boolean)).toBe(false);
  });
});
