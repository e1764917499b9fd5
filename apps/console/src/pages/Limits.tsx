import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { QuotaBar } from '../components/QuotaBar';
import { formatInteger, formatLimit, formatTime } from '../lib/format';
import { resetIn, windowLabel } from '../lib/limits';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

const RATE_LIMITS = {
  rpm: 'Requests per minute',
  rph: 'Requests per hour',
  rpd: 'Requests per day',
  tpm: 'Tokens per minute',
  tpd: 'Tokens per day',
  max_concurrency: 'Requests at once',
  api_calls_per_period: 'API calls per period',
  ai_tokens_per_period: 'AI tokens per period',
  max_users: 'Members',
  max_keys: 'API keys',
} as const;

/** The tenant's plan, its quota bars, its rate-limit windows as they stand now, and the plan's rate limits and features. */
export function Limits() {
  const { tenant } = useSession();
  const data = useLoad(async () => {
    if (!tenant) return null;
    const path = { params: { path: { tenant: tenant.slug } } };
    const [quota, entitlements] = await Promise.all([ok(api.GET('/api/tenants/{tenant}/quota', path)), ok(api.GET('/api/tenants/{tenant}/entitlements', path))]);
    const plan = 'plan' in entitlements ? await ok(api.GET('/api/plans/{id}', { params: { path: { id: entitlements.plan } } })).catch(() => null) : null;
    return { quota, entitlements, plan };
  }, `${tenant?.slug}`);
  // Loaded on its own: the live counters live in Redis, and their failure should not hide the rest of the page.
  const live = useLoad(async () => (tenant ? ok(api.GET('/api/tenants/{tenant}/limits', { params: { path: { tenant: tenant.slug } } })) : null), `${tenant?.slug}`);
  if (!tenant) return <NoTenant />;
  const entitlements = data.data?.entitlements;
  return (
    <>
      <h1>Limits and quota</h1>
      <ErrorMessage error={data.error} />
      {data.data && (
        <section className="panel" aria-labelledby="quota-title">
          <h2 id="quota-title">Quota this period</h2>
          {entitlements && 'plan' in entitlements && (
            <p>
              Plan: <strong>{entitlements.plan}</strong>
            </p>
          )}
          <QuotaBar label="API calls" used={data.data.quota.api_calls_used} limit={data.data.quota.api_calls_limit} />
          <QuotaBar label="AI tokens" used={data.data.quota.ai_tokens_used} limit={data.data.quota.ai_tokens_limit} />
          <QuotaBar label="Users" used={data.data.quota.current_users} limit={data.data.quota.max_users} />
          <p>Quota resets {formatTime(data.data.quota.quota_reset_at)}.</p>
        </section>
      )}
      <section className="panel" aria-labelledby="live-title">
        <h2 id="live-title">Rate limits now</h2>
        <button type="button" className="secondary" onClick={live.reload}>
          Refresh
        </button>
        <ErrorMessage error={live.error} />
        {live.data && live.data.windows.length === 0 && live.data.concurrency.length === 0 && <p>No rate limit applies to this tenant.</p>}
        {live.data?.windows.map((window) => (
          <div key={`${window.level}:${window.team_id ?? ''}:${window.limit}`}>
            <QuotaBar label={windowLabel(window)} used={window.used} limit={window.value} />
            <small className="hint">
              {formatInteger(window.remaining)} left, {resetIn(window.reset - Date.parse(live.data?.checked_at ?? '') / 1000)}
            </small>
          </div>
        ))}
        {live.data?.concurrency.map((slot) => (
          <QuotaBar key={`${slot.level}:${slot.team_id ?? ''}`} label={`Requests at once (${slot.level})`} used={slot.in_use} limit={slot.value} />
        ))}
        {live.data && <p>As of {formatTime(live.data.checked_at)}.</p>}
      </section>
      {data.data && (
        <>
          {data.data.plan && (
            <section className="panel" aria-labelledby="limits-title">
              <h2 id="limits-title">Rate limits of the plan</h2>
              <table>
                <tbody>
                  {Object.entries(RATE_LIMITS).map(([field, label]) => (
                    <tr key={field}>
                      <th scope="row">{label}</th>
                      <td>{formatLimit(data.data?.plan?.limits[field as keyof typeof RATE_LIMITS])}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {entitlements && 'entitlements' in entitlements && (
            <section className="panel" aria-labelledby="features-title">
              <h2 id="features-title">Features of the plan</h2>
              <table>
                <tbody>
                  {Object.entries(entitlements.entitlements).map(([name, value]) => (
                    <tr key={name}>
                      <th scope="row">{name.replace(/_/g, ' ')}</th>
                      <td>{typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </>
      )}
    </>
  );
}
