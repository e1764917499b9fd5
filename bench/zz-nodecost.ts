import { ingestColumns, type UsageEventInput } from '@sluice/control-plane/data-access';
import { previousIngestColumns } from './metering-baselines';
import { randomUUID } from 'node:crypto';
const N = 1000;
const keys = Array.from({ length: 20 }, () => randomUUID());
const mk = (): UsageEventInput[] => Array.from({ length: N }, (_, i) => { const st = new Date(Date.now() - i * 1000); return { request_id: `bench-${i}-${randomUUID()}`, tenant_id: keys[i % 10], api_key_id: keys[i % 20], team_id: i % 3 ? keys[(i + 1) % 20] : null,
      environment: 'live', model: 'gpt-4o', provider: 'mock', deployment: null, prompt_tokens: 100 + i, completion_tokens: 200, cost_micros: 1000 + i, usage_source: 'provider', outcome: 'completed', http_status: 200, latency_ms: 120, time_to_first_token_ms: 30,
      started_at: st.toISOString(), finished_at: st.toISOString() }; });
const batches = Array.from({ length: 50 }, mk);
// Includes what node-postgres does with each parameter: byteLength and a write of a string, a copy of a Buffer.
const send = (cols: Array<string | Buffer>) => { let n = 0; for (const c of cols) { if (typeof c === 'string') { const b = Buffer.allocUnsafe(Buffer.byteLength(c)); n += b.write(c); } else { const b = Buffer.allocUnsafe(c.length); c.copy(b); n += b.length; } } return n; };
const fns: Array<[string, (e: UsageEventInput[]) => Array<string | Buffer>]> = [['previous', previousIngestColumns], ['current', ingestColumns]];
const t = [0, 0];
for (let r = 0; r < 8; r++) for (const [i, [, f]] of fns.entries()) { const s = process.cpuUsage(); for (const b of batches) send(f(b)); const u = process.cpuUsage(s); if (r >= 2) t[i] += u.user + u.system; }
for (const [i, [n]] of fns.entries()) console.log(n, (t[i] / (6 * 50 * N)).toFixed(2), 'µs/event');
