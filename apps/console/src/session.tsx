import { SluiceApiError, type Schemas } from '@sluice/client';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ok, SESSION_ENDED, useTenantForCalls } from './api';
import { permissionsFor, type Permissions, type TenantRole } from './lib/roles';

export type Profile = Schemas['ProfileDto'];

export interface TenantChoice {
  id: string;
  slug: string;
  name: string;
  /** The user's role in it; null for a platform admin who is no member. */
  role: TenantRole | null;
}

export interface Session {
  profile: Profile;
  tenants: TenantChoice[];
  tenant: TenantChoice | null;
  permissions: Permissions;
  selectTenant: (slug: string) => void;
  reloadTenants: () => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

const TENANT_KEY = 'sluice.console.tenant';

/** The tenants to switch between: the user's memberships, and for a platform admin every tenant. */
async function tenantChoices(profile: Profile): Promise<TenantChoice[]> {
  const choices = new Map<string, TenantChoice>(profile.tenants.map((tenant) => [tenant.slug, { ...tenant }]));
  if (profile.is_platform_admin) {
    const page = await ok(api.GET('/api/tenants', { params: { query: { page_size: 200, ordering: 'name' } } }));
    for (const tenant of page.results) if (!choices.has(tenant.slug)) choices.set(tenant.slug, { id: tenant.id, slug: tenant.slug, name: tenant.name, role: null });
  }
  return [...choices.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Loads the cookie session's profile; renders `signIn` without one, `children` with one. */
export function SessionProvider({ signIn, children }: { signIn: (onSignedIn: () => void) => ReactNode; children: ReactNode }) {
  const [profile, setProfile] = useState<Profile | null | 'loading'>('loading');
  const [tenants, setTenants] = useState<TenantChoice[]>([]);
  const [slug, setSlug] = useState<string | null>(() => window.localStorage.getItem(TENANT_KEY));
  const [failure, setFailure] = useState<unknown>(null);

  const loadProfile = useCallback(async () => {
    try {
      const me = await ok(api.GET('/api/auth/me'));
      setTenants(await tenantChoices(me));
      setProfile(me);
    } catch (error) {
      if (error instanceof SluiceApiError && error.status === 401) setProfile(null);
      else setFailure(error);
    }
  }, []);

  useEffect(() => {
    void loadProfile();
  }, [loadProfile]);

  // An expired session shows the sign-in form again instead of failing every page.
  useEffect(() => {
    const ended = () => setProfile(null);
    window.addEventListener(SESSION_ENDED, ended);
    return () => window.removeEventListener(SESSION_ENDED, ended);
  }, []);

  const tenant = tenants.find((choice) => choice.slug === slug) ?? tenants[0] ?? null;
  useTenantForCalls(tenant?.slug ?? null);

  const session = useMemo<Session | null>(() => {
    if (profile === null || profile === 'loading') return null;
    return {
      profile,
      tenants,
      tenant,
      permissions: permissionsFor(tenant?.role ?? null, profile.is_platform_admin),
      selectTenant: (next) => {
        window.localStorage.setItem(TENANT_KEY, next);
        setSlug(next);
      },
      reloadTenants: () => void tenantChoices(profile).then(setTenants, setFailure),
      signOut: async () => {
        await api.POST('/api/auth/logout').catch(() => undefined);
        setProfile(null);
      },
    };
  }, [profile, tenants, tenant]);

  if (failure) {
    return (
      <p className="error" role="alert">
        The console could not load your account: {failure instanceof Error ? failure.message : String(failure)}
      </p>
    );
  }
  if (profile === 'loading') return <p role="status">Loading…</p>;
  if (!session) return <>{signIn(() => void loadProfile())}</>;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
