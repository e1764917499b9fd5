import type { AuditRepository } from './audit.repository';
import { ChainVerifier, type ChainVerification } from './chain-verifier';

export interface VerifyProgress {
  verified: number;
  total: number;
}

/**
 * Verifies one chain straight from the database, batch by batch; while one
 * batch is hashed the next is already being fetched.
 */
export async function verifyChain(
  repository: AuditRepository,
  tenantId: string | null,
  onProgress?: (progress: VerifyProgress) => void,
  batchSize = 5_000,
): Promise<ChainVerification> {
  const total = onProgress ? await repository.countChain(tenantId) : 0;
  const verifier = new ChainVerifier(tenantId);
  const batches = repository.streamChain(tenantId, batchSize);
  let checked = 0;
  let next = batches.next();
  for (;;) {
    const current = await next;
    if (current.done) break;
    next = batches.next();
    for (const event of current.value) verifier.add(event);
    checked += current.value.length;
    onProgress?.({ verified: checked, total });
  }
  return verifier.result();
}
