import { useState } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { formatTime } from '../lib/format';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

const PAGE_SIZE = 25;

/** The selected tenant's audit events, filtered and paged, and whether its hash chain verifies. */
export function Audit() {
  const { tenant } = useSession();
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState({ event_type: '', resource_type: '', since: '', until: '' });
  const query = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== '')) as Partial<typeof filters>;
  const events = useLoad(
    async () => (tenant ? ok(api.GET('/api/audit/events', { params: { query: { tenant_id: tenant.id, page, page_size: PAGE_SIZE, ...query } } })) : null),
    `${tenant?.id}:${page}:${JSON.stringify(query)}`,
  );
  const chain = useLoad(async () => (tenant ? ok(api.GET('/api/audit/verify', { params: { query: { tenant_id: tenant.id } } })) : null), `${tenant?.id}`);
  if (!tenant) return <NoTenant />;
  const setFilter = (field: keyof typeof filters, value: string) => {
    setFilters((current) => ({ ...current, [field]: value }));
    setPage(1);
  };
  return (
    <>
      <h1>Audit log</h1>
      <section aria-labelledby="chain-title" className="panel">
        <h2 id="chain-title">Chain verification</h2>
        <ErrorMessage error={chain.error} />
        {chain.data && (
          <p className={chain.data.chain_valid ? 'good' : 'error'} role="status">
            {chain.data.chain_valid ? 'The chain verifies' : 'The chain is broken'}: {chain.data.verified_count} of {chain.data.total_events} events verified.
            {'broken_links' in chain.data &&
              (chain.data.broken_links ?? []).map((link) => (
                <span key={link.event_id}>
                  {' '}
                  Event {link.event_id} ({link.event_type}): {link.reason}.
                </span>
              ))}
          </p>
        )}
      </section>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <Field label="Event type">{(props) => <input {...props} placeholder="api_key.created" value={filters.event_type} onChange={(event) => setFilter('event_type', event.target.value)} />}</Field>
        <Field label="Resource type">{(props) => <input {...props} placeholder="api_key" value={filters.resource_type} onChange={(event) => setFilter('resource_type', event.target.value)} />}</Field>
        <Field label="Since">{(props) => <input {...props} type="date" value={filters.since} onChange={(event) => setFilter('since', event.target.value)} />}</Field>
        <Field label="Until">{(props) => <input {...props} type="date" value={filters.until} onChange={(event) => setFilter('until', event.target.value)} />}</Field>
      </form>
      <ErrorMessage error={events.error} />
      {events.data && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Seq</th>
                </tr>
              </thead>
              <tbody>
                {events.data.results.length === 0 && (
                  <tr>
                    <td colSpan={5}>No events</td>
                  </tr>
                )}
                {events.data.results.map((event) => (
                  <tr key={event.id}>
                    <td>{formatTime(event.timestamp)}</td>
                    <th scope="row">{event.event_type}</th>
                    <td>{event.actor.email ?? event.actor.id ?? event.actor.type}</td>
                    <td>
                      {event.resource_type} {event.resource_id}
                    </td>
                    <td>{event.seq}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} count={events.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
        </>
      )}
    </>
  );
}
