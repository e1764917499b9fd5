import type { ModelFields } from '@sluice/control-plane/data-access';
import { catalogProblems as problemsWith } from './catalog-rules';

const POLICY = { credentialEnvs: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'] };
const catalogProblems = (...args: [Parameters<typeof problemsWith>[0], Parameters<typeof problemsWith>[1], Parameters<typeof problemsWith>[2]]) => problemsWith(...args, POLICY);

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

/** A provider's model as the checked-in catalog has one: not sandbox, https, a listed credential. */
const realModel = (id: string): ModelFields => ({
  ...model(id),
  provider: 'openai',
  sandbox: false,
  deployments: [{ provider: 'openai', base_url: 'https://api.openai.com/v1', upstream_model: id, credential_env: 'OPENAI_API_KEY', weight: 1, region: null, timeout_ms: 1000 }],
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

  it('refuses a credential variable outside PROVIDER_CREDENTIAL_ENVS, such as the gateway’s JWT secret', () => {
    const deployment = { provider: 'openai' as const, base_url: 'https://api.openai.com/v1', upstream_model: 'gpt-4o', weight: 1, region: null, timeout_ms: 1 };
    const model = (credential: string | null) => ({ ...realModel('m'), deployments: [{ ...deployment, credential_env: credential }] });
    expect(catalogProblems([model('OPENAI_API_KEY')], [], ['m'])).toEqual({});
    expect(catalogProblems([model(null)], [], ['m'])).toEqual({});
    expect(catalogProblems([model('JWT_SECRET')], [], ['m'])).toEqual({
      'deployments.0.credential_env': ['JWT_SECRET is not a provider credential variable (PROVIDER_CREDENTIAL_ENVS: OPENAI_API_KEY, ANTHROPIC_API_KEY)'],
    });
    expect(problemsWith([model('VLLM_TOKEN')], [], ['m'], { credentialEnvs: ['VLLM_TOKEN'] })).toEqual({});
  });

  it('wants https, except for mock and sandbox deployments', () => {
    const at = (base_url: string, overrides: Partial<ModelFields> = {}) => {
      const base = realModel('m');
      return { ...base, deployments: [{ ...base.deployments[0], base_url }], ...overrides };
    };
    const problem = { 'deployments.0.base_url': ['base_url must be an https:// URL (only mock and sandbox deployments may use http://)'] };
    expect(catalogProblems([at('https://api.openai.com/v1')], [], ['m'])).toEqual({});
    expect(catalogProblems([at('http://169.254.169.254/latest')], [], ['m'])).toEqual(problem);
    expect(catalogProblems([at('http://api.openai.com/v1')], [], ['m'])).toEqual(problem);
    expect(catalogProblems([at('http://127.0.0.1:9100', { sandbox: true })], [], ['m'])).toEqual({});
    const mockDeployment = { ...at('http://mock:9100').deployments[0], provider: 'mock' as const };
    expect(catalogProblems([{ ...realModel('m'), deployments: [mockDeployment] }], [], ['m'])).toEqual({});
  });

  it('reports only the models that changed', () => {
    expect(catalogProblems([model('a', ['ghost']), model('b')], [], ['b'])).toEqual({});
  });
});
