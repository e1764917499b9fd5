import type { ApiKeyRecordV1, TenantRecordV1 } from '@sluice/contracts';

/** Who is calling: an active key of an active tenant, already checked against its address. */
export interface Caller {
  apiKey: ApiKeyRecordV1;
  tenant: TenantRecordV1;
}
