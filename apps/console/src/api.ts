import { createSluiceClient, ok, SluiceApiError } from '@sluice/client';
import { useCallback, useEffect, useState } from 'react';
import { readCookie } from './lib/cookies';

const selected: { tenant: string | null } = { tenant: null };

/** The tenant (slug) that calls without one of their own act on: sent as X-Tenant. */
export function useTenantForCalls(slug: string | null): void {
  selected.tenant = slug;
}

/**
 * The control plane's API on this page's own origin: the HttpOnly session
 * cookie goes along by itself, and mutations echo the session's CSRF token
 * (readable in the `csrf_token` cookie) in X-CSRF-Token.
 */
export const api = createSluiceClient({
  credentials: 'same-origin',
  tenant: () => selected.tenant,
  csrfToken: () => readCookie('csrf_token', document.cookie),
});

/** Fired when the API answers 401 to a call of a signed-in page: the session ended (expired, or signed out elsewhere). */
export const SESSION_ENDED = 'sluice:session-ended';

api.use({
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) window.dispatchEvent(new Event(SESSION_ENDED));
    return response;
  },
});

export { ok };

/** Any failure in the words the user should read: the API's own message when it gave one. */
export function messageOf(error: unknown): string {
  if (error instanceof SluiceApiError) return error.message;
  if (error instanceof Error) return `The control plane could not be reached (${error.message})`;
  return 'Something went wrong';
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads once per change of `key` (and on reload()); the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [round, setRound] = useState(0);
  const run = useCallback(load, [key, round]);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    run().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [run]);
  return { ...state, reload: () => setRound((value) => value + 1) };
}
