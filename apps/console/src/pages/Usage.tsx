import { useState } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { formatInteger, formatUsd } from '../lib/format';
import { dayBefore, type UsageRow } from '../lib/usage';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

type Group = 'model' | 'key' | 'environment' | 'day';
const GROUP_FIELD: Record<Group, string> = { model: 'model', key: 'api_key_id', environment: 'environment', day: 'day' };

/** Usage figures for a chosen period, grouped by model, key, environment or day. */
export function Usage() {
  const { tenant } = useSession();
  const [from, setFrom] = useState(dayBefore(new Date(), 29));
  const [to, setTo] = useState(dayBefore(new Date(), 0));
  const [group, setGroup] = useState<Group>('model');
  const report = useLoad(
    async () => (tenant ? ok(api.GET('/api/tenants/{tenant}/usage', { params: { path: { tenant: tenant.slug }, query: { from, to, group_by: group } } })) : null),
    `${tenant?.slug}:${from}:${to}:${group}`,
  );
  if (!tenant) return <NoTenant />;
  const rows = (report.data?.results ?? []) as UsageRow[];
  return (
    <>
      <h1>Usage</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <Field label="From (UTC day)">{(props) => <input {...props} type="date" value={from} onChange={(event) => setFrom(event.target.value)} />}</Field>
        <Field label="To (UTC day)">{(props) => <input {...props} type="date" value={to} onChange={(event) => setTo(event.target.value)} />}</Field>
        <Field label="Group by">
          {(props) => (
            <select {...props} value={group} onChange={(event) => setGroup(event.target.value as Group)}>
              <option value="model">Model</option>
              <option value="key">API key</option>
              <option value="environment">Environment</option>
              <option value="day">Day</option>
            </select>
          )}
        </Field>
      </form>
      <ErrorMessage error={report.error} />
      {report.data && (
        <div className="table-wrap">
          <table>
            <caption>
              {report.data.from} to {report.data.to}: {formatInteger(report.data.totals.requests)} requests, {formatInteger(report.data.totals.total_tokens)} tokens,{' '}
              {formatUsd(report.data.totals.cost_usd)}
            </caption>
            <thead>
              <tr>
                <th scope="col">{group === 'key' ? 'API key id' : group[0].toUpperCase() + group.slice(1)}</th>
                <th scope="col">Requests</th>
                <th scope="col">Prompt tokens</th>
                <th scope="col">Completion tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={5}>No usage in this period</td>
                </tr>
              )}
              {rows.map((row) => (
                <tr key={String(row[GROUP_FIELD[group]])}>
                  <th scope="row">{String(row[GROUP_FIELD[group]])}</th>
                  <td>{formatInteger(row.requests)}</td>
                  <td>{formatInteger(Number(row['prompt_tokens']))}</td>
                  <td>{formatInteger(Number(row['completion_tokens']))}</td>
                  <td>{formatUsd(row.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
