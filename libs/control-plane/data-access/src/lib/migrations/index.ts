import { Baseline1764000000000 } from './1764000000000-baseline';
import { CreateAuditEvents1764000000001 } from './1764000000001-create-audit-events';
import { CreateIdentity1764000000002 } from './1764000000002-create-identity';
import { CreateApiKeysAndCatalog1764000000003 } from './1764000000003-create-api-keys-and-catalog';
import { CreateBillingAndMetering1764000000004 } from './1764000000004-create-billing-and-metering';
import { PostpaidSubscriptionTiers1764500000000 } from './1764500000000-postpaid-subscription-tiers';
import { PersonalTokenScopes1764500000100 } from './1764500000100-personal-token-scopes';
import { ApiKeysCreatedByIndex1764500000200 } from './1764500000200-api-keys-created-by-index';
import { StripeBilling1764600000000 } from './1764600000000-stripe-billing';
import { BillingProducts1764600000100 } from './1764600000100-billing-products';
import { Statements1764600000200 } from './1764600000200-statements';
import { UsageEventsTenantStartedIndex1764700000000 } from './1764700000000-usage-events-tenant-started-index';
import { Integrations1764700001000 } from './1764700001000-integrations';
import { Webhooks1764700002000 } from './1764700002000-webhooks';
import { TenantBoundSessionsAndUsernames1764700003000 } from './1764700003000-tenant-bound-sessions-and-usernames';
import { Invitations1764700003100 } from './1764700003100-invitations';
import { KeyEnvironmentsOriginsDeletion1764700004000 } from './1764700004000-key-environments-origins-deletion';
import { PrivateAiKeys1764700005000 } from './1764700005000-private-ai-keys';
import { PartitionUsageEvents1764800000000 } from './1764800000000-partition-usage-events';

/**
 * Every migration, in order. Listed explicitly rather than globbed so that
 * the bundled app carries them.
 */
export const MIGRATIONS = [
  Baseline1764000000000,
  CreateAuditEvents1764000000001,
  CreateIdentity1764000000002,
  CreateApiKeysAndCatalog1764000000003,
  CreateBillingAndMetering1764000000004,
  PostpaidSubscriptionTiers1764500000000,
  PersonalTokenScopes1764500000100,
  ApiKeysCreatedByIndex1764500000200,
  StripeBilling1764600000000,
  BillingProducts1764600000100,
  Statements1764600000200,
  UsageEventsTenantStartedIndex1764700000000,
  Integrations1764700001000,
  Webhooks1764700002000,
  TenantBoundSessionsAndUsernames1764700003000,
  Invitations1764700003100,
  KeyEnvironmentsOriginsDeletion1764700004000,
  PrivateAiKeys1764700005000,
  PartitionUsageEvents1764800000000,
];
