import type { ReactNode } from 'react';
import { navigate, pathOf, useCurrentPage, type Page } from '../lib/router';
import { useSession } from '../session';

const LABELS: Record<Page, string> = {
  overview: 'Overview',
  usage: 'Usage',
  keys: 'API keys',
  members: 'Members and teams',
  audit: 'Audit log',
  limits: 'Limits and quota',
  credits: 'Credits',
  webhooks: 'Webhooks',
  integrations: 'Integrations',
  tenants: 'Tenants',
};

/** Pages only a tenant's admins (and platform admins) can use: hidden from the others, whom the API refuses anyway. */
const ADMIN_PAGES = new Set<Page>(['webhooks', 'integrations']);

export function Layout({ children }: { children: ReactNode }) {
  const { profile, tenants, tenant, selectTenant, signOut, permissions } = useSession();
  const current = useCurrentPage();
  const pages = (Object.keys(LABELS) as Page[]).filter((page) => (page === 'tenants' ? permissions.platformAdmin : ADMIN_PAGES.has(page) ? permissions.manageTenant : true));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Sluice console</span>
        <label className="tenant-switcher">
          <span>Tenant</span>
          <select value={tenant?.slug ?? ''} onChange={(event) => selectTenant(event.target.value)} disabled={tenants.length === 0}>
            {tenants.length === 0 && <option value="">No tenant</option>}
            {tenants.map((choice) => (
              <option key={choice.slug} value={choice.slug}>
                {choice.name} ({choice.role ?? 'platform admin'})
              </option>
            ))}
          </select>
        </label>
        <span className="who">{profile.email}</span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav className="side" aria-label="Console">
        <ul>
          {pages.map((page) => (
            <li key={page}>
              <a
                href={pathOf(page)}
                aria-current={page === current ? 'page' : undefined}
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  navigate(page);
                }}
              >
                {LABELS[page]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export { LABELS as PAGE_LABELS };
