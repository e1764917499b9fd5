import { useSyncExternalStore } from 'react';

/** The console's pages, under /console/. */
export const PAGES = ['overview', 'usage', 'keys', 'members', 'audit', 'limits', 'credits', 'webhooks', 'integrations', 'tenants'] as const;
export type Page = (typeof PAGES)[number];

export const BASE = '/console/';

/** The page a path names (`/console/keys` → keys); the overview for /console/ and anything unknown. */
export function pageOfPath(pathname: string): Page {
  const name = pathname.startsWith(BASE) ? pathname.slice(BASE.length).split('/')[0] : '';
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : 'overview';
}

export function pathOf(page: Page): string {
  return page === 'overview' ? BASE : `${BASE}${page}`;
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function navigate(page: Page): void {
  if (window.location.pathname !== pathOf(page)) window.history.pushState(null, '', pathOf(page));
  for (const listener of listeners) listener();
}

export function useCurrentPage(): Page {
  return useSyncExternalStore(subscribe, () => pageOfPath(window.location.pathname), () => 'overview');
}
