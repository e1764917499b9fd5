import { AuditRepository, dataSourceOptions, verifyChain, type ChainVerification } from '@sluice/control-plane/data-access';
import { isUuid } from '@sluice/contracts';
import { ConfigError } from '@sluice/platform';
import { SingleBar, Presets } from 'cli-progress';
import { DataSource } from 'typeorm';
import { loadControlPlaneConfig } from '../config/control-plane.config';


/**
 * `npm run audit:verify -- [--tenant <uuid> | --platform]`: verifies audit
 * chains straight from the database, with a progress bar on standard error and
 * the result (the shape of `GET /api/audit/verify/`; a per-chain summary without `--tenant`) as JSON
 * on standard output. Exits 0 when every chain is intact, 1 when one is broken.
 */
export async function runAuditVerify(args: string[], env: NodeJS.ProcessEnv, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const selection = parseArguments(args);
  const { databaseUrl } = loadControlPlaneConfig(env);
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
  try {
    const repository = new AuditRepository(dataSource);
    const chains = selection === 'all' ? await repository.chains() : [selection.tenantId];
    const results: ChainVerification[] = [];
    for (const tenantId of chains) results.push(await verifyWithProgress(repository, tenantId, stderr));
    const output =
      selection === 'all'
        ? {
            chains_valid: results.every((result) => result.chain_valid),
            chain_count: results.length,
            total_events: results.reduce((sum, result) => sum + result.total_events, 0),
            chains: results,
          }
        : results[0];
    stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return results.every((result) => result.chain_valid) ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

function parseArguments(args: string[]): 'all' | { tenantId: string | null } {
  if (args.length === 0) return 'all';
  if (args.length === 1 && args[0] === '--platform') return { tenantId: null };
  // `--tenant <uuid>` or `--tenant=<uuid>`
  const [flag, value, ...extra] = args.length === 1 ? args[0].split('=') : args;
  if (flag === '--tenant' && value && isUuid(value) && extra.length === 0) return { tenantId: value.toLowerCase() };
  throw new ConfigError('usage: npm run audit:verify -- [--tenant <tenant uuid> | --platform]');
}

async function verifyWithProgress(
  repository: AuditRepository,
  tenantId: string | null,
  stderr: NodeJS.WritableStream,
): Promise<ChainVerification> {
  const bar = new SingleBar(
    {
      format: `${tenantId ?? 'platform'} [{bar}] {percentage}% {value}/{total} events, {eta_formatted} left`,
      stream: stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2_000,
    },
    Presets.shades_classic,
  );
  let started = false;
  try {
    return await verifyChain(repository, tenantId, ({ verified, total }) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(verified);
    });
  } finally {
    if (started) bar.stop();
  }
}
