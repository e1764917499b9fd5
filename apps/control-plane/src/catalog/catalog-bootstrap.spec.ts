import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_PROVIDER_CREDENTIAL_ENVS } from '@sluice/platform';
import { loadCatalogFile as loadWith } from './catalog-bootstrap';

const loadCatalogFile = (path: string, mockProviderUrl: string) => loadWith(path, mockProviderUrl, { credentialEnvs: DEFAULT_PROVIDER_CREDENTIAL_ENVS });

describe('loadCatalogFile', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'sluice-catalog-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const write = (content: unknown): string => {
    const path = join(directory, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const checkedIn = () => JSON.parse(readFileSync('catalog/catalog.json', 'utf8')) as { regions: unknown[]; models: Array<Record<string, unknown>> };

  it('loads the checked-in catalog, pointing the mock models at MOCK_PROVIDER_URL', () => {
    const { models, regions } = loadCatalogFile('catalog/catalog.json', 'http://127.0.0.1:19100');
    expect(regions.map((region) => region.id)).toEqual(expect.arrayContaining(['us-east', 'local']));
    const mock = models.filter((model) => model.provider === 'mock');
    expect(mock.map((model) => model.id)).toEqual(['mock-fast', 'mock-smart']);
    expect(mock.every((model) => model.sandbox && model.deployments.every((deployment) => deployment.base_url === 'http://127.0.0.1:19100'))).toBe(true);
    expect(models.filter((model) => model.provider !== 'mock').every((model) => !model.sandbox && model.deployments.every((deployment) => /^(OPENAI|ANTHROPIC)_API_KEY$/.test(deployment.credential_env ?? '')))).toBe(true);
  });

  it('stops start-up with one line naming the problem', () => {
    expect(() => loadCatalogFile(write('{not json'), 'http://x')).toThrow(ConfigError);
    const cyclic = checkedIn();
    cyclic.models = cyclic.models.map((model) => (model['id'] === 'mock-fast' ? { ...model, fallbacks: ['mock-smart'] } : model));
    expect(() => loadCatalogFile(write(cyclic), 'http://x')).toThrow(/is invalid: fallbacks: fallbacks form a cycle/);
    const weightless = checkedIn();
    (weightless.models[0]['deployments'] as Array<Record<string, unknown>>)[0]['weight'] = 0;
    expect(() => loadCatalogFile(write(weightless), 'http://x')).toThrow(/is invalid: models\.0\.deployments\.0\.weight/);
    expect(() => loadCatalogFile(join(directory, 'missing.json'), 'http://x')).toThrow(/cannot be read/);
    expect(() => loadWith('catalog/catalog.json', 'http://x', { credentialEnvs: ['OPENAI_API_KEY'] })).toThrow(
      /is invalid: deployments\.0\.credential_env: ANTHROPIC_API_KEY is not a provider credential variable/,
    );
  });
});
