import { matchesAnyGlob } from '@sluice/auth';
import { isSandboxEnvironment, type ModelRecord } from '@sluice/contracts';
import type { Caller } from './caller';
import { GatewayAuthException } from './gateway-auth.exception';

/**
 * Whether the caller may use `model`: the tenant's and the key's globs both
 * admit its id (null = no restriction at that level), and a `test` or
 * `development` key only reaches `sandbox` models (docs/limits.md, Environments).
 */
export function mayUseModel({ apiKey, tenant }: Caller, model: ModelRecord): boolean {
  if (isSandboxEnvironment(apiKey.environment) && !model.sandbox) return false;
  if (tenant.allowed_models !== null && !matchesAnyGlob(model.id, tenant.allowed_models)) return false;
  if (apiKey.allowed_models !== null && !matchesAnyGlob(model.id, apiKey.allowed_models)) return false;
  return true;
}

export function ensureModelAllowed(caller: Caller, model: ModelRecord, requestedName: string): void {
  if (mayUseModel(caller, model)) return;
  throw new GatewayAuthException('model_not_allowed', refusalMessage(caller, model, requestedName), {}, 'model');
}

function refusalMessage({ apiKey, tenant }: Caller, model: ModelRecord, requestedName: string): string {
  if (isSandboxEnvironment(apiKey.environment) && !model.sandbox) {
    return `${apiKey.environment === 'test' ? 'Test' : 'Development'} keys may only use sandbox models; '${requestedName}' is not one`;
  }
  if (tenant.allowed_models !== null && !matchesAnyGlob(model.id, tenant.allowed_models)) {
    return `The tenant's plan '${tenant.plan}' does not include the model '${requestedName}'`;
  }
  return `This API key may not use the model '${requestedName}'`;
}
