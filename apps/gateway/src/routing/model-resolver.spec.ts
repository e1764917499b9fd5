import type { CatalogRecordV1, ModelRecord } from '@sluice/contracts';
import { ModelResolver } from './model-resolver';
import { RoutingException } from './routing.exception';

function model(id: string, aliases: string[], enabled = true): ModelRecord {
  return {
    id,
    aliases,
    provider: 'mock',
    deployments: [],
    fallbacks: [],
    pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 },
    context_window: 8192,
    max_output_tokens: 1024,
    capabilities: [],
    sandbox: false,
    enabled,
  };
}

const catalog: CatalogRecordV1 = {
  v: 1,
  revision: 'r1',
  models: [model('gpt-4o', ['gpt-4o-latest', 'claude-3']), model('claude-3', ['claude']), model('old-model', ['legacy'], false)],
};

describe('ModelResolver', () => {
  const resolver = new ModelResolver(catalog);

  it('finds a model by its id or one of its aliases', () => {
    expect(resolver.resolve('gpt-4o').id).toBe('gpt-4o');
    expect(resolver.resolve('gpt-4o-latest').id).toBe('gpt-4o');
    expect(resolver.resolve('claude').id).toBe('claude-3');
  });

  it('never lets an alias shadow another model id', () => {
    expect(resolver.resolve('claude-3').id).toBe('claude-3');
  });

  it.each(['no-such-model', 'old-model', 'legacy'])('answers 404 model_not_found for %s (absent or disabled)', (name) => {
    expect(resolver.find(name)).toBeUndefined();
    let thrown: unknown;
    try {
      resolver.resolve(name);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RoutingException);
    expect(thrown).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect((thrown as RoutingException).getStatus()).toBe(404);
  });

  it('builds one resolver per catalog object', () => {
    expect(ModelResolver.forCatalog(catalog)).toBe(ModelResolver.forCatalog(catalog));
    expect(ModelResolver.forCatalog({ ...catalog })).not.toBe(ModelResolver.forCatalog(catalog));
  });
});
