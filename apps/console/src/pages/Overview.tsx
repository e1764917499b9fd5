import { useMemo } from 'react';
import { api, ok, useLoad } from '../api';
import { Bars } from '../components/Bars';
import { ErrorMessage } from '../components/ErrorMessage';
import { UsageChart } from '../components/UsageChart';
import { formatInteger, formatUsd } from '../lib/format';
import { dailySeries, dayBefore, topGroups, type UsageRow } from '../lib/usage';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

const DAYS = 30;

/** Usage of the selected tenant over the last 30 UTC days: per day, by model and by key. */
export function Overview() {
  const { tenant } = useSession();
  const to = dayBefore(new Date(), 0);
  const from = dayBefore(new Date(), DAYS - 1);
  const usage = useLoad(async () => {
    if (!tenant) return null;
    const report = (groupBy: 'day' | 'model' | 'key') =>
      ok(api.GET('/api/tenants/{tenant}/usage', { params: { path: { tenant: tenant.slug }, query: { from, to, group_by: groupBy } } }));
    const keyNames = ok(api.GET('/api/api-keys', { params: { query: { page_size: 200 } } })).then(
      (page) => new Map(page.results.map((key) => [key.id, `${key.name} (…${key.last4})`])),
      () => new Map<string, string>(),
    );
    const [days, models, keys, names] = await Promise.all([report('day'), report('model'), report('key'), keyNames]);
    const named = (keys.results as UsageRow[]).map((row) => ({ ...row, key: names.get(String(row['api_key_id'])) ?? String(row['api_key_id']) }));
    return { days, models, keys: named };
  }, `${tenant?.slug}:${from}`);
  const series = useMemo(() => {
    const rows = (usage.data?.days.results ?? []) as UsageRow[];
    return {
      requests: dailySeries(rows, from, to, 'requests'),
      tokens: dailySeries(rows, from, to, 'total_tokens'),
      cost: dailySeries(rows, from, to, 'cost_usd'),
    };
  }, [usage.data, from, to]);
  if (!tenant) return <NoTenant />;
  const totals = usage.data?.days.totals;
  return (
    <>
      <div className="page-head">
        <h1>Overview of {tenant.name}</h1>
        <button type="button" className="secondary" onClick={usage.reload}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={usage.error} />
      {totals && (
        <dl className="totals">
          <div>
            <dt>Requests</dt>
            <dd>{formatInteger(totals.requests)}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{formatInteger(totals.total_tokens)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatUsd(totals.cost_usd)}</dd>
          </div>
        </dl>
      )}
      {usage.data && (
        <>
          <div className="charts">
            <UsageChart title="Requests" days={series.requests.days} values={series.requests.values} format={formatInteger} whole />
            <UsageChart title="Tokens" days={series.tokens.days} values={series.tokens.values} format={formatInteger} whole />
            <UsageChart title="Cost (USD)" days={series.cost.days} values={series.cost.values} format={formatUsd} />
          </div>
          <div className="columns">
            <Bars caption="Cost by model" rows={topGroups(usage.data.models.results as UsageRow[], 'model', 'cost_usd')} format={formatUsd} />
            <Bars caption="Requests by key" rows={topGroups(usage.data.keys, 'key', 'requests')} format={formatInteger} />
          </div>
        </>
      )}
      {usage.loading && !usage.data && <p role="status">Loading usage…</p>}
    </>
  );
}
