import { SluiceApiError, type Schemas } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { SecretOnce } from '../components/SecretOnce';
import { formatTime } from '../lib/format';
import { deliverySummary, endpointState, toggleEvent, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../lib/webhooks';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

type Endpoint = Schemas['WebhookEndpointResponseDto'];
const PAGE_SIZE = 20;

/** The tenant's outbound webhook endpoints (tenant admins): create, enable or disable, rotate the secret, test, and each one's delivery log. */
export function Webhooks() {
  const { tenant, permissions } = useSession();
  const [page, setPage] = useState(1);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const endpoints = useLoad(
    async () => (tenant && permissions.manageTenant ? ok(api.GET('/api/webhooks', { params: { query: { tenant: tenant.slug, page, page_size: PAGE_SIZE } } })) : null),
    `${tenant?.slug}:${page}:${permissions.manageTenant}`,
  );
  if (!tenant) return <NoTenant />;
  if (!permissions.manageTenant) return <p>Webhooks are managed by the tenant’s admins.</p>;

  const act = async (work: () => Promise<string | void>) => {
    setActionError(null);
    setNotice('');
    try {
      setNotice((await work()) ?? '');
      endpoints.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  const path = (id: string) => ({ params: { path: { id } } });

  return (
    <>
      <h1>Webhooks</h1>
      {secret && <SecretOnce label={secret.label} secret={secret.value} onDone={() => setSecret(null)} />}
      <CreateEndpointForm
        tenant={tenant.slug}
        onCreated={(created) => {
          setSecret({ label: `Signing secret of ${created.url}`, value: created.secret });
          endpoints.reload();
        }}
      />
      <section aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints of {tenant.name}</h2>
        <ErrorMessage error={endpoints.error ?? actionError} />
        <p role="status">{notice}</p>
        {endpoints.data && (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">URL</th>
                    <th scope="col">Events</th>
                    <th scope="col">State</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {endpoints.data.results.length === 0 && (
                    <tr>
                      <td colSpan={4}>No endpoints</td>
                    </tr>
                  )}
                  {endpoints.data.results.map((endpoint) => (
                    <tr key={endpoint.id}>
                      <th scope="row">
                        <code>{endpoint.url}</code>
                        {endpoint.description && <div className="hint">{endpoint.description}</div>}
                      </th>
                      <td>{endpoint.events.join(', ')}</td>
                      <td>{endpointState(endpoint)}</td>
                      <td className="actions">
                        <button
                          type="button"
                          className="secondary"
                          onClick={() => void act(async () => void (await ok(api.PATCH('/api/webhooks/{id}', { ...path(endpoint.id), body: { enabled: !endpoint.enabled } }))))}
                        >
                          {endpoint.enabled ? 'Disable' : 'Enable'}
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          onClick={() =>
                            void act(async () => {
                              const rotated = await ok(api.POST('/api/webhooks/{id}/rotate-secret', { ...path(endpoint.id), body: {} }));
                              setSecret({ label: `New signing secret of ${rotated.url}`, value: rotated.secret });
                            })
                          }
                        >
                          Rotate secret
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          onClick={() =>
                            void act(async () => {
                              await ok(api.POST('/api/webhooks/{id}/test', path(endpoint.id)));
                              return `Test event queued for ${endpoint.url}`;
                            })
                          }
                        >
                          Send test
                        </button>
                        <button type="button" className="secondary" aria-expanded={open === endpoint.id} onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}>
                          Deliveries
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} count={endpoints.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </section>
      {open && <DeliveryLog endpoint={endpoints.data?.results.find((each) => each.id === open) ?? null} id={open} />}
    </>
  );
}

function DeliveryLog({ endpoint, id }: { endpoint: Endpoint | null; id: string }) {
  const [page, setPage] = useState(1);
  const [actionError, setActionError] = useState<unknown>(null);
  const deliveries = useLoad(() => ok(api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id }, query: { page, page_size: PAGE_SIZE } } })), `${id}:${page}`);
  const redeliver = async (delivery: string) => {
    setActionError(null);
    try {
      await ok(api.POST('/api/webhooks/{id}/deliveries/{delivery}/redeliver', { params: { path: { id, delivery } } }));
      deliveries.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries to {endpoint?.url ?? 'the endpoint'}</h2>
      <button type="button" className="secondary" onClick={deliveries.reload}>
        Refresh
      </button>
      <ErrorMessage error={deliveries.error ?? actionError} />
      {deliveries.data && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.results.length === 0 && (
                  <tr>
                    <td colSpan={7}>No deliveries</td>
                  </tr>
                )}
                {deliveries.data.results.map((delivery) => {
                  const summary = deliverySummary(delivery);
                  return (
                    <tr key={delivery.id}>
                      <td>{formatTime(delivery.created_at)}</td>
                      <th scope="row">{delivery.event_type}</th>
                      <td>
                        {delivery.status} ({delivery.attempt_count} {delivery.attempt_count === 1 ? 'attempt' : 'attempts'})
                      </td>
                      <td>{summary.outcome}</td>
                      <td>{summary.duration}</td>
                      <td>{summary.nextAttempt ? formatTime(summary.nextAttempt) : '—'}</td>
                      <td>
                        {delivery.status !== 'pending' && (
                          <button type="button" className="secondary" onClick={() => void redeliver(delivery.id)} aria-label={`Redeliver ${delivery.event_type} ${delivery.message_id}`}>
                            Redeliver
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={page} count={deliveries.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
        </>
      )}
    </section>
  );
}

function CreateEndpointForm({ tenant, onCreated }: { tenant: string; onCreated: (created: Schemas['WebhookEndpointWithSecretResponseDto']) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>([]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors(events.length === 0 ? { events: 'Choose at least one event' } : {});
    setError(null);
    if (events.length === 0) return;
    setBusy(true);
    try {
      const created = await ok(api.POST('/api/webhooks', { body: { tenant, url, events, ...(description ? { description } : {}) } }));
      setUrl('');
      setDescription('');
      setEvents([]);
      onCreated(created);
    } catch (caught) {
      if (caught instanceof SluiceApiError) setFieldErrors(caught.fieldErrors());
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const eventsError = fieldErrors['events'];
  return (
    <details className="panel" open>
      <summary>Add an endpoint</summary>
      <form onSubmit={(event) => void submit(event)} className="grid-form" aria-label="Add an endpoint">
        <Field label="URL" hint="The address that receives the signed events" error={fieldErrors['url']}>
          {(props) => <input {...props} name="url" type="url" required maxLength={2048} value={url} onChange={(event) => setUrl(event.target.value)} />}
        </Field>
        <Field label="Description" error={fieldErrors['description']}>
          {(props) => <input {...props} name="description" maxLength={500} value={description} onChange={(event) => setDescription(event.target.value)} />}
        </Field>
        <fieldset className="field" aria-describedby={eventsError ? 'events-error' : undefined}>
          <legend>Events</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="inline">
              <input type="checkbox" name="events" value={type} checked={events.includes(type)} onChange={(event) => setEvents(toggleEvent(events, type, event.target.checked))} /> {type}
            </label>
          ))}
          {eventsError && (
            <small id="events-error" className="field-error">
              {eventsError}
            </small>
          )}
        </fieldset>
        <div className="form-end">
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            Add endpoint
          </button>
        </div>
      </form>
    </details>
  );
}
