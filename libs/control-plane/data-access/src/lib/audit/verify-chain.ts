import { CHAIN_BATCH_SIZE, type AuditRepository } from './audit.repository';
import { parseChainRow } from './chain-row';
import { ChainVerifier, type ChainVerification } from './chain-verifier';

export interface VerifyProgress {
  verified: number;
  total: number;
}

/**
 * Verifies one chain straight from the database, batch by batch; while one
 * batch is hashed the next ones are already streaming in (PostgreSQL works on
 * another core). Each row is decoded only when its turn comes, so the events
 * die young and only a few batches of strings wait in memory.
 */
export async function verifyChain(
  repository: AuditRepository,
  tenantId: string | null,
  onProgress?: (progress: VerifyProgress) => void,
  batchSize = CHAIN_BATCH_SIZE,
): Promise<ChainVerification> {
  const total = onProgress ? await repository.countChain(tenantId) : 0;
  const verifier = new ChainVerifier(tenantId);
  let checked = 0;
  for await (const rows of repository.streamChainRows(tenantId, batchSize)) {
    for (const row of rows) verifier.add(parseChainRow(row));
    checked += rows.length;
    onProgress?.({ verified: checked, total });
  }
  return verifier.result();
}
