import type { ModelFields } from '@sluice/control-plane/data-access';
import { catalogProblems } from './catalog-rules';

const model = (id: string, fallbacks: string[] = [], extra: Partial<ModelFields> = {}): ModelFields => ({
  id,
  aliases: [],
  provider: 'mock',
  deployments: [{ provider: 'mock', base_url: 'http://127.0.0.1:9100', upstream_model: id, credential_env: null, weight: 1, region: null, timeout_ms: 1000 }],
  fallbacks,
  pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 1 },
  context_window: 1000,
  max_output_tokens: 100,
  capabilities: [],
  sandbox: true,
  enabled: true,
  ...extra,
});

describe('catalogProblems', () => {
  it('accepts a chain of fallbacks that ends', () => {
    expect(catalogProblems([model('a', ['b']), model('b', ['c']), model('c')], [], ['a', 'b', 'c'])).toEqual({});
  });

  it('finds a cycle through several models', () => {
    const problems = catalogProblems([model('a', ['b']), model('b', ['c']), model('c', ['a'])], [], ['c']);
    expect(problems['fallbacks']).toEqual(['fallbacks form a cycle: c → a → b → c']);
  });

  it('refuses unknown and self fallbacks, shadowing aliases, unknown regions and non-positive weights', () => {
    const broken = model('a', ['a', 'ghost'], {
      aliases: ['b'],
      deployments: [{ provider: 'mock', base_url: 'http://x', upstream_model: 'a', credential_env: null, weight: 0, region: 'mars', timeout_ms: 1 }],
    });
    expect(catalogProblems([broken, model('b')], [{ id: 'earth' }], ['a'])).toEqual({
      fallbacks: ['a cannot be its own fallback', 'ghost is not a model in the catalog'],
      aliases: ['b already names b'],
      'deployments.0.region': ['mars is not a known region'],
      'deployments.0.weight': ['weight must be positive'],
    });
  });

  it('reports only the models that changed', () => {
    expect(catalogProblems([model('a', ['ghost']), model('b')], [], ['b'])).toEqual({});
  });
});
