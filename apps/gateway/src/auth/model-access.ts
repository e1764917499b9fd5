import { matchesAnyGlob } from '@sluice/auth';
import type { ModelRecord } from '@sluice/contracts';
import type { Caller } from './caller';
import { GatewayAuthException } from './gateway-auth.exception';

/**
 * Whether the caller may use `model`: the tenant's and the key's globs both
 * admit its id (null = no restriction at that level), and a `test` key only
 * reaches `sandbox` models (docs/decisions.md, Gateway: model globs).
 */
export function mayUseModel({ apiKey, tenant }: Caller, model: ModelRecord): boolean {
  if (apiKey.environment === 'test' && !model.sandbox) return false;
  if (tenant.allowed_models !== null && !matchesAnyGlob(model.id, tenant.allowed_models)) return false;
  if (apiKey.allowed_models !== null && !matchesAnyGlob(model.id, apiKey.allowed_models)) return false;
  return true;
}

export function ensureModelAllowed(caller: Caller, model: ModelRecord, requestedName: string): void {
  if (mayUseModel(caller, model)) return;
  throw new GatewayAuthException('model_not_allowed', refusalMessage(caller, model, requestedName), {}, 'model');
}

function refusalMessage({ apiKey, tenant }: Caller, model: ModelRecord, requestedName: string): string {
  if (apiKey.environment === 'test' && !model.sandbox) return `Test keys may only use sandbox models; '${requestedName}' is not one`;
  if (tenant.allowed_models !== null && !matchesAnyGlob(model.id, tenant.allowed_models)) {
    return `The tenant's plan '${tenant.plan}' does not include the model '${requestedName}'`;
  }
  return `This API key may not use the model '${requestedName}'`;
}
