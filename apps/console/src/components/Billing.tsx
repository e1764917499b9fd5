import { useState } from 'react';
import { api, ok, useLoad } from '../api';
import { formatInteger, formatTime, formatUsd } from '../lib/format';
import { ErrorMessage } from './ErrorMessage';
import { Pager } from './Pager';

const PAGE_SIZE = 12;
const BILLING_STATUS: Record<string, string> = { active: 'active', past_due: 'past due: a payment failed', suspended: 'suspended for non-payment' };

/** The tenant's billing status, the Stripe customer portal (owners) and its closed statements with their CSV (admins). */
export function Billing({ tenant, canOpenPortal }: { tenant: string; canOpenPortal: boolean }) {
  const [page, setPage] = useState(1);
  const [portalError, setPortalError] = useState<unknown>(null);
  const status = useLoad(() => ok(api.GET('/api/tenants/{tenant}', { params: { path: { tenant } } })), tenant);
  const statements = useLoad(() => ok(api.GET('/api/tenants/{tenant}/statements', { params: { path: { tenant }, query: { page, page_size: PAGE_SIZE } } })), `${tenant}:${page}`);
  const openPortal = async () => {
    setPortalError(null);
    try {
      const session = await ok(api.GET('/api/billing/tenants/{tenant}/portal', { params: { path: { tenant } } }));
      window.location.assign(session.url);
    } catch (error) {
      setPortalError(error);
    }
  };
  return (
    <section className="panel" aria-labelledby="billing-title">
      <h2 id="billing-title">Billing</h2>
      <ErrorMessage error={status.error} />
      {status.data && (
        <p>
          Billing status: <strong>{BILLING_STATUS[status.data.billing_status] ?? status.data.billing_status}</strong>
        </p>
      )}
      {canOpenPortal && (
        <p>
          <button type="button" onClick={() => void openPortal()}>
            Manage payment details
          </button>
        </p>
      )}
      <ErrorMessage error={portalError} />
      <h3>Statements</h3>
      <ErrorMessage error={statements.error} />
      {statements.data && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Total</th>
                  <th scope="col">CSV</th>
                </tr>
              </thead>
              <tbody>
                {statements.data.results.length === 0 && (
                  <tr>
                    <td colSpan={5}>No statements yet: one is written when a billing period closes</td>
                  </tr>
                )}
                {statements.data.results.map((statement) => (
                  <tr key={statement.id}>
                    <th scope="row">
                      {formatTime(statement.period_start)} – {formatTime(statement.period_end)}
                    </th>
                    <td>
                      {statement.plan} ({statement.billing_mode})
                    </td>
                    <td>{formatInteger(statement.requests)}</td>
                    <td>{formatUsd(statement.total_usd)}</td>
                    <td>
                      <a href={`/api/tenants/${encodeURIComponent(tenant)}/statements/${encodeURIComponent(statement.id)}.csv`} download aria-label={`CSV of the statement for ${formatTime(statement.period_start)} – ${formatTime(statement.period_end)}`}>
                        Download CSV
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} count={statements.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
        </>
      )}
    </section>
  );
}
