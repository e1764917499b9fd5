import { SluiceApiError, type Schemas } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { SecretOnce } from '../components/SecretOnce';
import { formatTime } from '../lib/format';
import { EMPTY_KEY_FORM, keyRequest, type KeyFormValues } from '../lib/key-form';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

type Key = Schemas['ApiKeyResponseDto'];
const PAGE_SIZE = 20;
const SCOPES = ['read', 'write', 'inference'] as const;

export function Keys() {
  const { tenant, permissions } = useSession();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<'' | 'active' | 'revoked' | 'expired'>('active');
  const [secret, setSecret] = useState<{ label: string; key: string } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const keys = useLoad(
    async () => (tenant ? ok(api.GET('/api/api-keys', { params: { query: { page, page_size: PAGE_SIZE, ordering: '-created_at', ...(status ? { status } : {}) } } })) : null),
    `${tenant?.slug}:${page}:${status}`,
  );
  if (!tenant) return <NoTenant />;

  const act = async (work: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await work();
      keys.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <>
      <h1>API keys</h1>
      {secret && <SecretOnce label={secret.label} secret={secret.key} onDone={() => setSecret(null)} />}
      {permissions.manageKeys && (
        <CreateKeyForm
          onCreated={(created) => {
            setSecret({ label: `Secret of the new key “${created.name}”`, key: created.key });
            keys.reload();
          }}
        />
      )}
      <section aria-labelledby="keys-list">
        <h2 id="keys-list">Keys of {tenant.name}</h2>
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
                <option value="active">Active</option>
                <option value="revoked">Revoked</option>
                <option value="expired">Expired</option>
              </select>
            )}
          </Field>
        </div>
        <ErrorMessage error={keys.error ?? actionError} />
        {keys.data && (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Key</th>
                    <th scope="col">Environment</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last used</th>
                    {permissions.manageKeys && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {keys.data.results.length === 0 && (
                    <tr>
                      <td colSpan={7}>No keys</td>
                    </tr>
                  )}
                  {keys.data.results.map((key) => (
                    <KeyRow
                      key={key.id}
                      apiKey={key}
                      canManage={permissions.manageKeys}
                      onRevoke={() => act(() => ok(api.POST('/api/api-keys/{id}/revoke', { params: { path: { id: key.id } } })))}
                      onRotate={(graceSeconds) =>
                        act(async () => {
                          const rotated = await ok(api.POST('/api/api-keys/{id}/rotate', { params: { path: { id: key.id } }, body: { grace_seconds: graceSeconds } }));
                          setSecret({ label: `New secret of “${rotated.name}”`, key: rotated.key });
                        })
                      }
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} count={keys.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </section>
    </>
  );
}

function KeyRow({ apiKey, canManage, onRevoke, onRotate }: { apiKey: Key; canManage: boolean; onRevoke: () => Promise<void>; onRotate: (graceSeconds: number) => Promise<void> }) {
  const [confirming, setConfirming] = useState<'none' | 'revoke' | 'rotate'>('none');
  const [grace, setGrace] = useState('3600');
  return (
    <tr>
      <th scope="row">{apiKey.name}</th>
      <td>
        <code>
          {apiKey.prefix}…{apiKey.last4}
        </code>
      </td>
      <td>{apiKey.environment}</td>
      <td>{apiKey.scopes.join(', ')}</td>
      <td>
        {apiKey.status}
        {apiKey.rotation_grace_ends_at && apiKey.status === 'active' ? ` (old secret valid until ${formatTime(apiKey.rotation_grace_ends_at)})` : ''}
      </td>
      <td>{formatTime(apiKey.last_used_at)}</td>
      {canManage && (
        <td className="actions">
          {apiKey.status === 'active' && confirming === 'none' && (
            <>
              <button type="button" className="secondary" onClick={() => setConfirming('rotate')}>
                Rotate
              </button>
              <button type="button" className="danger" onClick={() => setConfirming('revoke')}>
                Revoke
              </button>
            </>
          )}
          {confirming === 'revoke' && (
            <>
              <button type="button" className="danger" onClick={() => void onRevoke().then(() => setConfirming('none'))} aria-label={`Confirm revoking ${apiKey.name}`}>
                Revoke now
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming('none')}>
                Cancel
              </button>
            </>
          )}
          {confirming === 'rotate' && (
            <>
              <label>
                Grace seconds <input type="number" min={0} value={grace} onChange={(event) => setGrace(event.target.value)} size={6} />
              </label>
              <button type="button" onClick={() => void onRotate(Number(grace)).then(() => setConfirming('none'))}>
                Rotate now
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming('none')}>
                Cancel
              </button>
            </>
          )}
        </td>
      )}
    </tr>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (created: Schemas['ApiKeyWithSecretResponseDto']) => void }) {
  const [values, setValues] = useState<KeyFormValues>(EMPTY_KEY_FORM);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof KeyFormValues>(field: K, value: KeyFormValues[K]) => setValues((current) => ({ ...current, [field]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors } = keyRequest(values);
    setFieldErrors(errors);
    setError(null);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    try {
      const created = await ok(api.POST('/api/api-keys', { body }));
      setValues(EMPTY_KEY_FORM);
      onCreated(created);
    } catch (caught) {
      if (caught instanceof SluiceApiError) setFieldErrors(caught.fieldErrors());
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (...names: string[]) => names.map((name) => fieldErrors[name]).find(Boolean);
  return (
    <details className="panel" open>
      <summary>Create a key</summary>
      <form onSubmit={(event) => void submit(event)} className="grid-form" aria-label="Create a key">
        <Field label="Name" error={fieldError('name')}>
          {(props) => <input {...props} name="name" required maxLength={150} value={values.name} onChange={(event) => set('name', event.target.value)} />}
        </Field>
        <Field label="Environment" error={fieldError('environment')}>
          {(props) => (
            <select {...props} name="environment" value={values.environment} onChange={(event) => set('environment', event.target.value as KeyFormValues['environment'])}>
              <option value="test">test (sandbox models)</option>
              <option value="live">live</option>
            </select>
          )}
        </Field>
        <fieldset className="field" aria-describedby={fieldError('scopes') ? 'scopes-error' : undefined}>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="inline">
              <input
                type="checkbox"
                name="scopes"
                value={scope}
                checked={values.scopes.includes(scope)}
                onChange={(event) => set('scopes', event.target.checked ? [...values.scopes, scope] : values.scopes.filter((each) => each !== scope))}
              />{' '}
              {scope}
            </label>
          ))}
          {fieldError('scopes') && (
            <small id="scopes-error" className="field-error">
              {fieldError('scopes')}
            </small>
          )}
        </fieldset>
        <Field label="Allowed models" hint="Comma-separated ids or globs; empty: every model" error={fieldError('allowed_models')}>
          {(props) => <input {...props} name="allowed_models" value={values.models} onChange={(event) => set('models', event.target.value)} />}
        </Field>
        <Field label="IP allow-list" hint="Comma-separated addresses or CIDRs; empty: any address" error={fieldError('allowed_ips')}>
          {(props) => <input {...props} name="allowed_ips" value={values.ips} onChange={(event) => set('ips', event.target.value)} />}
        </Field>
        <Field label="Requests per minute" error={fieldError('limits.rpm', 'limits')}>
          {(props) => <input {...props} name="rpm" inputMode="numeric" value={values.rpm} onChange={(event) => set('rpm', event.target.value)} />}
        </Field>
        <Field label="Tokens per minute" error={fieldError('limits.tpm')}>
          {(props) => <input {...props} name="tpm" inputMode="numeric" value={values.tpm} onChange={(event) => set('tpm', event.target.value)} />}
        </Field>
        <Field label="Budget (USD)" error={fieldError('limits.budget_usd')}>
          {(props) => <input {...props} name="budget_usd" inputMode="decimal" value={values.budgetUsd} onChange={(event) => set('budgetUsd', event.target.value)} />}
        </Field>
        <Field label="Budget period" error={fieldError('limits.budget_period')}>
          {(props) => (
            <select {...props} name="budget_period" value={values.budgetPeriod} onChange={(event) => set('budgetPeriod', event.target.value as KeyFormValues['budgetPeriod'])}>
              <option value="">—</option>
              <option value="day">day</option>
              <option value="month">month</option>
              <option value="total">total</option>
            </select>
          )}
        </Field>
        <Field label="Expires on (UTC day)" error={fieldError('expires_at')}>
          {(props) => <input {...props} name="expires_at" type="date" value={values.expiresAt} onChange={(event) => set('expiresAt', event.target.value)} />}
        </Field>
        <div className="form-end">
          {Object.keys(fieldErrors).length === 0 && <ErrorMessage error={error} />}
          {Object.keys(fieldErrors).length > 0 && error instanceof SluiceApiError && (
            <p className="error" role="alert">
              {error.message}
            </p>
          )}
          <button type="submit" disabled={busy}>
            Create key
          </button>
        </div>
      </form>
    </details>
  );
}
