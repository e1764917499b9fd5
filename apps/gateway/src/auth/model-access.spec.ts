import type { ApiKeyRecordV1, ModelRecord, TenantRecordV1 } from '@sluice/contracts';
import type { Caller } from './caller';
import { ensureModelAllowed, mayUseModel } from './model-access';

function caller(key: Partial<ApiKeyRecordV1> = {}, tenant: Partial<TenantRecordV1> = {}): Caller {
  return {
    apiKey: { environment: 'live', allowed_models: null, ...key } as ApiKeyRecordV1,
    tenant: { allowed_models: null, ...tenant } as TenantRecordV1,
  };
}

function model(id: string, sandbox = false): ModelRecord {
  return { id, sandbox } as ModelRecord;
}

describe('model access', () => {
  it('needs both the tenant’s and the key’s globs to admit the model', () => {
    expect(mayUseModel(caller(), model('gpt-4o'))).toBe(true);
    expect(mayUseModel(caller({ allowed_models: ['gpt-*'] }, { allowed_models: ['*'] }), model('gpt-4o'))).toBe(true);
    expect(mayUseModel(caller({ allowed_models: ['claude-*'] }), model('gpt-4o'))).toBe(false);
    expect(mayUseModel(caller({}, { allowed_models: ['claude-*'] }), model('gpt-4o'))).toBe(false);
  });

  it('lets test and development keys reach sandbox models only, and live and staging keys every model', () => {
    for (const environment of ['test', 'development'] as const) {
      expect(mayUseModel(caller({ environment }), model('gpt-4o'))).toBe(false);
      expect(mayUseModel(caller({ environment }), model('mock', true))).toBe(true);
    }
    expect(() => ensureModelAllowed(caller({ environment: 'test' }), model('gpt-4o'), 'gpt-4o')).toThrow(/^Test keys may only use sandbox models/);
    expect(() => ensureModelAllowed(caller({ environment: 'development' }), model('gpt-4o'), 'gpt-4o')).toThrow(/^Development keys may only use sandbox models/);
    for (const environment of ['live', 'staging'] as const) expect(mayUseModel(caller({ environment }), model('gpt-4o'))).toBe(true);
  });

  it('refuses with model_not_allowed naming the requested model', () => {
    expect(() => ensureModelAllowed(caller({ allowed_models: [] }), model('gpt-4o'), 'latest')).toThrow(
      expect.objectContaining({ code: 'model_not_allowed', message: "This API key may not use the model 'latest'" }),
    );
  });

  it("names the tenant's plan when the plan leaves the model out", () => {
    expect(() => ensureModelAllowed(caller({}, { plan: 'free', allowed_models: ['mock-*'] }), model('gpt-4'), 'gpt-4')).toThrow(
      expect.objectContaining({ code: 'model_not_allowed', message: "The tenant's plan 'free' does not include the model 'gpt-4'" }),
    );
  });
});
