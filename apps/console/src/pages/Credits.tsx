import { SluiceApiError } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok, useLoad } from '../api';
import { Billing } from '../components/Billing';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { formatTime, formatUsd } from '../lib/format';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

const PAGE_SIZE = 25;

/** Credit balance and ledger, and for the tenant's admins its billing (status, statements, the payment portal); buying credits goes through the billing checkout, granting them is for platform admins. */
export function Credits() {
  const { tenant, permissions } = useSession();
  const [page, setPage] = useState(1);
  const credits = useLoad(
    async () => (tenant ? ok(api.GET('/api/tenants/{tenant}/credits', { params: { path: { tenant: tenant.slug }, query: { page, page_size: PAGE_SIZE } } })) : null),
    `${tenant?.slug}:${page}`,
  );
  if (!tenant) return <NoTenant />;
  return (
    <>
      <h1>Credits</h1>
      <ErrorMessage error={credits.error} />
      {credits.data && (
        <p className="balance">
          Balance: <strong>{formatUsd(credits.data.balance_usd)}</strong> ({credits.data.billing_mode})
        </p>
      )}
      {permissions.manageTenant && <Billing tenant={tenant.slug} canOpenPortal={permissions.buyCredits} />}
      {permissions.buyCredits && <AmountForm title="Buy credits" action="Continue to checkout" onAmount={(amount) => checkout(tenant.slug, amount)} />}
      {permissions.platformAdmin && (
        <AmountForm
          title="Grant credits (platform admin)"
          action="Grant"
          withReason
          onAmount={async (amount, reason) => {
            await ok(api.POST('/api/tenants/{tenant}/credits', { params: { path: { tenant: tenant.slug } }, body: { amount_usd: amount, reason } }));
            credits.reload();
          }}
        />
      )}
      {credits.data && (
        <section aria-labelledby="ledger-title">
          <h2 id="ledger-title">Ledger</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Reason or request</th>
                </tr>
              </thead>
              <tbody>
                {credits.data.results.length === 0 && (
                  <tr>
                    <td colSpan={4}>No entries</td>
                  </tr>
                )}
                {credits.data.results.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatTime(entry.created_at)}</td>
                    <td>{entry.kind === 'top_up' ? 'top-up' : 'usage'}</td>
                    <td>{formatUsd(entry.amount_usd)}</td>
                    <td>{entry.reason || entry.request_id}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} count={credits.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
        </section>
      )}
    </>
  );
}

/** The hosted checkout page for a credits top-up: the browser goes there, and comes back once paid. */
async function checkout(tenant: string, amount: number): Promise<void> {
  const session = await ok(api.GET('/api/billing/tenants/{tenant}/checkout', { params: { path: { tenant }, query: { purpose: 'credits', amount_usd: amount } } }));
  window.location.assign(session.url);
}

function AmountForm({ title, action, withReason = false, onAmount }: { title: string; action: string; withReason?: boolean; onAmount: (amount: number, reason: string) => Promise<void> }) {
  const [amount, setAmount] = useState('25');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof SluiceApiError ? error.fieldErrors() : {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await onAmount(Number(amount), reason);
      setReason('');
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form className="inline-form panel" onSubmit={(event) => void submit(event)} aria-label={title}>
      <h2>{title}</h2>
      <Field label="Amount (USD)" error={fields['amount_usd']}>
        {(props) => <input {...props} inputMode="decimal" required value={amount} onChange={(event) => setAmount(event.target.value)} />}
      </Field>
      {withReason && (
        <Field label="Reason" error={fields['reason']}>
          {(props) => <input {...props} required value={reason} onChange={(event) => setReason(event.target.value)} />}
        </Field>
      )}
      <button type="submit">{action}</button>
      {Object.keys(fields).length === 0 && <ErrorMessage error={error} />}
    </form>
  );
}
