import { addMember, ADMIN_EMAIL, apiClient, createActiveTenant, login, TEST_PASSWORD, unique, type Call } from '@sluice/testing';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

export { addMember, ADMIN_EMAIL, createActiveTenant };
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Persona = (typeof ROLES)[number] | 'outsider' | 'platform_admin' | 'anonymous';
export const PERSONAS: Persona[] = [...ROLES, 'outsider', 'platform_admin', 'anonymous'];

export interface IdentityWorld {
  app: ControlPlaneUnderTest;
  call: Call;
  tenantA: { id: string; slug: string };
  tenantB: { id: string; slug: string };
  tokens: Record<Persona, string | null>;
  emails: Record<Exclude<Persona, 'anonymous'>, string>;
  /** Membership ids in tenant A by role. */
  memberships: Record<(typeof ROLES)[number], string>;
  /** User ids of A's members by role. */
  users: Record<(typeof ROLES)[number], string>;
}

/**
 * A control plane with two active tenants: A with one user per role, and B
 * whose owner is the outsider to A; plus the platform admin.
 */
export async function startIdentityWorld(env: NodeJS.ProcessEnv = {}): Promise<IdentityWorld> {
  const app = await startControlPlane({ SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: TEST_PASSWORD, ...env });
  const call = apiClient(app.url);
  const admin = (await login(call, ADMIN_EMAIL)).access;
  const tenantA = await createActiveTenant(call, admin, unique('tenant-a'));
  const tenantB = await createActiveTenant(call, admin, unique('tenant-b'));
  const emails = { platform_admin: ADMIN_EMAIL } as IdentityWorld['emails'];
  const memberships = {} as IdentityWorld['memberships'];
  const users = {} as IdentityWorld['users'];
  // Side by side: each member and each login is an argon2 hash, run on libuv's threads, so the second core takes one
  // while the first runs the app.
  for (const role of ROLES) emails[role] = `${unique(role)}@example.com`;
  emails.outsider = `${unique('outsider')}@example.com`;
  await Promise.all([
    ...ROLES.map(async (role) => {
      const membership = await addMember(call, admin, tenantA.id, emails[role], role);
      memberships[role] = membership.id;
      users[role] = membership.user;
    }),
    addMember(call, admin, tenantB.id, emails.outsider, 'owner'),
  ]);
  const tokens = { anonymous: null, platform_admin: admin } as IdentityWorld['tokens'];
  await Promise.all(
    ([...ROLES, 'outsider'] as const).map(async (persona) => {
      tokens[persona] = (await login(call, emails[persona])).access;
    }),
  );
  return { app, call, tenantA, tenantB, tokens, emails, memberships, users };
}
