import { randomBase62, sha256Hex } from './api-key';

/**
 * Random bearer secrets that are not JWTs: refresh tokens (`slr_`),
 * personal access tokens (`slp_`) and tenant invitations (`sli_`). Stored as SHA-256 only; the prefix tells a
 * verifier which table to look in without trying each.
 */
export type OpaqueTokenKind = 'refresh' | 'personal' | 'invitation';

const PREFIX: Record<OpaqueTokenKind, string> = { refresh: 'slr_', personal: 'slp_', invitation: 'sli_' };

export interface GeneratedOpaqueToken {
  secret: string;
  hash: string;
  prefix: string;
  last4: string;
}

export function generateOpaqueToken(kind: OpaqueTokenKind): GeneratedOpaqueToken {
  const secret = PREFIX[kind] + randomBase62(43);
  return { secret, hash: sha256Hex(secret), prefix: secret.slice(0, 8), last4: secret.slice(-4) };
}

export function isOpaqueToken(kind: OpaqueTokenKind, secret: string): boolean {
  return secret.startsWith(PREFIX[kind]) && /^[a-z]{3}_[0-9A-Za-z]{43}$/.test(secret);
}
