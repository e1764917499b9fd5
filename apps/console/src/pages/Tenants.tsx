import { SluiceApiError, type Schemas } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { formatTime } from '../lib/format';
import { useSession } from '../session';

type Tenant = Schemas['TenantResponseDto'];
type Status = Tenant['status'];
const PAGE_SIZE = 25;

/** Platform admins: every tenant, created, activated, suspended with a reason, restored. */
export function Tenants() {
  const { permissions, reloadTenants } = useSession();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<'' | Status>('');
  const [search, setSearch] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);
  const tenants = useLoad(
    async () => ok(api.GET('/api/tenants', { params: { query: { page, page_size: PAGE_SIZE, ordering: 'name', ...(status ? { status } : {}), ...(search ? { search } : {}) } } })),
    `${page}:${status}:${search}`,
  );
  if (!permissions.platformAdmin) return <p>Only platform admins manage tenants.</p>;
  const act = async (work: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await work();
      reloadTenants();
    } catch (error) {
      setActionError(error);
    }
    tenants.reload();
  };
  return (
    <>
      <h1>Tenants</h1>
      <CreateTenantForm onCreated={() => void act(async () => undefined)} />
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <Field label="Search">{(props) => <input {...props} type="search" value={search} onChange={(event) => (setSearch(event.target.value), setPage(1))} />}</Field>
        <Field label="Status">
          {(props) => (
            <select {...props} value={status} onChange={(event) => (setStatus(event.target.value as Status), setPage(1))}>
              <option value="">Any</option>
              <option value="pending">pending</option>
              <option value="active">active</option>
              <option value="suspended">suspended</option>
              <option value="deleted">deleted</option>
            </select>
          )}
        </Field>
      </form>
      <ErrorMessage error={tenants.error ?? actionError} />
      {tenants.data && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Slug</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {tenants.data.results.map((tenant) => (
                  <TenantRow key={tenant.id} tenant={tenant} act={act} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} count={tenants.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
        </>
      )}
    </>
  );
}

function TenantRow({ tenant, act }: { tenant: Tenant; act: (work: () => Promise<unknown>) => Promise<void> }) {
  const [suspending, setSuspending] = useState(false);
  const [reason, setReason] = useState('');
  const path = { params: { path: { tenant: tenant.slug } } };
  return (
    <tr>
      <th scope="row">{tenant.name}</th>
      <td>{tenant.slug}</td>
      <td>
        {tenant.status}
        {tenant.status === 'suspended' && tenant.suspension_reason ? `: ${tenant.suspension_reason}` : ''}
      </td>
      <td>{formatTime(tenant.created_at)}</td>
      <td className="actions">
        {tenant.status === 'pending' && (
          <button type="button" onClick={() => void act(() => ok(api.POST('/api/tenants/{tenant}/activate', path)))} aria-label={`Activate ${tenant.name}`}>
            Activate
          </button>
        )}
        {tenant.status === 'active' && !suspending && (
          <button type="button" className="danger" onClick={() => setSuspending(true)} aria-label={`Suspend ${tenant.name}`}>
            Suspend
          </button>
        )}
        {suspending && (
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void act(() => ok(api.POST('/api/tenants/{tenant}/suspend', { ...path, body: { reason } }))).then(() => setSuspending(false));
            }}
          >
            <label>
              Reason <input required value={reason} onChange={(event) => setReason(event.target.value)} />
            </label>
            <button type="submit" className="danger">
              Suspend now
            </button>
            <button type="button" className="secondary" onClick={() => setSuspending(false)}>
              Cancel
            </button>
          </form>
        )}
        {(tenant.status === 'suspended' || tenant.status === 'deleted') && (
          <button type="button" onClick={() => void act(() => ok(api.POST('/api/tenants/{tenant}/restore', path)))} aria-label={`Restore ${tenant.name}`}>
            Restore
          </button>
        )}
      </td>
    </tr>
  );
}

function CreateTenantForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof SluiceApiError ? error.fieldErrors() : {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await ok(api.POST('/api/tenants', { body: { name, slug } }));
      setName('');
      setSlug('');
      onCreated();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <details className="panel">
      <summary>Create a tenant</summary>
      <form className="grid-form" onSubmit={(event) => void submit(event)} aria-label="Create a tenant">
        <Field label="Name" error={fields['name']}>
          {(props) => <input {...props} required value={name} onChange={(event) => setName(event.target.value)} />}
        </Field>
        <Field label="Slug" hint="Lower-case letters, digits and dashes" error={fields['slug']}>
          {(props) => <input {...props} required value={slug} onChange={(event) => setSlug(event.target.value)} />}
        </Field>
        <div className="form-end">
          {Object.keys(fields).length === 0 && <ErrorMessage error={error} />}
          <button type="submit">Create tenant</button>
        </div>
      </form>
    </details>
  );
}
