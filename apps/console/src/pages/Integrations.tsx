import { SluiceApiError, type Schemas } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { formatInteger, formatTime } from '../lib/format';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

type EventStatus = Schemas['EventResponseDto']['status'];
type AuthType = NonNullable<Schemas['CreateProviderDto']['auth_type']>;
const AUTH_TYPES: AuthType[] = ['none', 'api_key', 'bearer', 'oauth2', 'basic', 'hmac'];
const PAGE_SIZE = 20;

/** The tenant's partner services (tenant admins): providers, their health, and the inbound event log with retry. */
export function Integrations() {
  const { tenant, permissions } = useSession();
  const [page, setPage] = useState(1);
  const scope = `${tenant?.slug}:${permissions.manageTenant}`;
  const providers = useLoad(
    async () => (tenant && permissions.manageTenant ? ok(api.GET('/api/integrations/providers', { params: { query: { tenant: tenant.slug, page, page_size: PAGE_SIZE } } })) : null),
    `${scope}:${page}`,
  );
  const health = useLoad(async () => (tenant && permissions.manageTenant ? ok(api.GET('/api/integrations/health', { params: { query: { tenant: tenant.slug } } })) : null), scope);
  if (!tenant) return <NoTenant />;
  if (!permissions.manageTenant) return <p>Integrations are managed by the tenant’s admins.</p>;
  return (
    <>
      <h1>Integrations</h1>
      <CreateProviderForm
        tenant={tenant.slug}
        onCreated={() => {
          providers.reload();
          health.reload();
        }}
      />
      <section aria-labelledby="providers-title">
        <h2 id="providers-title">Providers of {tenant.name}</h2>
        <ErrorMessage error={providers.error ?? health.error} />
        {health.data && (
          <p>
            Overall health: <strong>{health.data.status}</strong>
          </p>
        )}
        {providers.data && (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">API base URL</th>
                    <th scope="col">Authentication</th>
                    <th scope="col">Active</th>
                    <th scope="col">Health</th>
                  </tr>
                </thead>
                <tbody>
                  {providers.data.results.length === 0 && (
                    <tr>
                      <td colSpan={5}>No providers</td>
                    </tr>
                  )}
                  {providers.data.results.map((provider) => {
                    const probe = health.data?.results.find((each) => each.id === provider.id);
                    return (
                      <tr key={provider.id}>
                        <th scope="row">{provider.name}</th>
                        <td>{provider.api_base_url ?? '—'}</td>
                        <td>
                          {provider.auth_type}
                          {provider.has_secret ? ', secret set' : ', no secret'}
                        </td>
                        <td>{provider.is_active ? 'yes' : 'no'}</td>
                        <td>{probe ? `${probe.status}${probe.response_time !== null ? ` (${formatInteger(probe.response_time)} ms)` : ''}${probe.error_message ? `: ${probe.error_message}` : ''}` : 'not probed yet'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager page={page} count={providers.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </section>
      <EventLog tenant={tenant.slug} />
    </>
  );
}

function EventLog({ tenant }: { tenant: string }) {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<'' | EventStatus>('');
  const [actionError, setActionError] = useState<unknown>(null);
  const events = useLoad(
    () => ok(api.GET('/api/integrations/events', { params: { query: { tenant, page, page_size: PAGE_SIZE, ...(status ? { status } : {}) } } })),
    `${tenant}:${page}:${status}`,
  );
  const retry = async (id: string) => {
    setActionError(null);
    try {
      await ok(api.POST('/api/integrations/events/{id}/retry', { params: { path: { id } } }));
      events.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Inbound events</h2>
      <div className="filters">
        <Field label="Status">
          {(props) => (
            <select
              {...props}
              value={status}
              onChange={(event) => {
                setStatus(event.target.value as typeof status);
                setPage(1);
              }}
            >
              <option value="">Any</option>
              <option value="received">Received</option>
              <option value="processing">Processing</option>
              <option value="processed">Processed</option>
              <option value="failed">Failed</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorMessage error={events.error ?? actionError} />
      {events.data && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Outcome or error</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {events.data.results.length === 0 && (
                  <tr>
                    <td colSpan={6}>No events</td>
                  </tr>
                )}
                {events.data.results.map((event) => (
                  <tr key={event.id}>
                    <td>{formatTime(event.created_at)}</td>
                    <td>{event.provider}</td>
                    <th scope="row">
                      {event.event_type} <code>{event.event_id}</code>
                    </th>
                    <td>
                      {event.status}
                      {event.retry_count > 0 ? ` (${event.retry_count} retries)` : ''}
                    </td>
                    <td>{event.error ?? event.outcome ?? '—'}</td>
                    <td>
                      {event.status === 'failed' && (
                        <button type="button" className="secondary" onClick={() => void retry(event.id)} aria-label={`Retry ${event.event_type} ${event.event_id}`}>
                          Retry
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} count={events.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
        </>
      )}
    </section>
  );
}

function CreateProviderForm({ tenant, onCreated }: { tenant: string; onCreated: () => void }) {
  const empty = { name: '', api_base_url: '', auth_type: 'none' as AuthType, secret_key: '' };
  const [values, setValues] = useState(empty);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof empty, value: string) => setValues((current) => ({ ...current, [field]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setError(null);
    setBusy(true);
    try {
      await ok(
        api.POST('/api/integrations/providers', {
          body: {
            tenant,
            name: values.name,
            auth_type: values.auth_type,
            ...(values.api_base_url ? { api_base_url: values.api_base_url } : {}),
            ...(values.secret_key ? { secret_key: values.secret_key } : {}),
          },
        }),
      );
      // The secret is write-only: it leaves the page's memory once sent.
      setValues(empty);
      onCreated();
    } catch (caught) {
      if (caught instanceof SluiceApiError) setFieldErrors(caught.fieldErrors());
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="panel">
      <summary>Add a provider</summary>
      <form onSubmit={(event) => void submit(event)} className="grid-form" aria-label="Add a provider">
        <Field label="Name" hint="The {service} of its webhook URL: letters, digits, _ . -" error={fieldErrors['name']}>
          {(props) => <input {...props} name="name" required maxLength={100} value={values.name} onChange={(event) => set('name', event.target.value)} />}
        </Field>
        <Field label="API base URL" hint="Health is probed and data synced here; empty: none" error={fieldErrors['api_base_url']}>
          {(props) => <input {...props} name="api_base_url" type="url" value={values.api_base_url} onChange={(event) => set('api_base_url', event.target.value)} />}
        </Field>
        <Field label="Authentication" error={fieldErrors['auth_type']}>
          {(props) => (
            <select {...props} name="auth_type" value={values.auth_type} onChange={(event) => set('auth_type', event.target.value)}>
              {AUTH_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Secret" hint="Write-only: it signs inbound webhooks and is never shown again" error={fieldErrors['secret_key']}>
          {(props) => <input {...props} name="secret_key" type="password" autoComplete="off" value={values.secret_key} onChange={(event) => set('secret_key', event.target.value)} />}
        </Field>
        <div className="form-end">
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Add provider
          </button>
        </div>
      </form>
    </details>
  );
}
