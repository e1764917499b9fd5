import type { ProviderKind } from '@sluice/contracts';
import { adapterFor, PROVIDER_ADAPTERS } from './registry';

describe('provider registry', () => {
  it('has an adapter of the right kind for every provider kind', () => {
    const kinds: ProviderKind[] = ['openai', 'anthropic', 'openai-compatible', 'mock'];
    for (const kind of kinds) expect(adapterFor(kind).kind).toBe(kind);
    expect(Object.keys(PROVIDER_ADAPTERS).sort()).toEqual([...kinds].sort());
  });

  it('shares one implementation between OpenAI and the servers that speak its format', () => {
    expect(adapterFor('mock').parseStreamFrame).toBe(adapterFor('openai').parseStreamFrame);
    expect(adapterFor('openai-compatible').buildRequest).toBe(adapterFor('openai').buildRequest);
    expect(adapterFor('anthropic').parseStreamFrame).not.toBe(adapterFor('openai').parseStreamFrame);
  });
});
