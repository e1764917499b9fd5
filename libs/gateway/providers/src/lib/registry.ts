import type { ProviderKind } from '@sluice/contracts';
import { anthropicAdapter } from './anthropic';
import { mockAdapter } from './mock';
import { openAiAdapter, openAiCompatibleAdapter } from './openai';
import type { ProviderAdapter } from './types';

/**
 * Every provider kind the catalog may name, and its adapter. Each adapter
 * keeps its own stream state type; callers hold state and adapter together,
 * so the registry erases it.
 */
export const PROVIDER_ADAPTERS: Readonly<Record<ProviderKind, ProviderAdapter>> = {
  openai: openAiAdapter as ProviderAdapter,
  'openai-compatible': openAiCompatibleAdapter as ProviderAdapter,
  mock: mockAdapter as ProviderAdapter,
  anthropic: anthropicAdapter as ProviderAdapter,
};

export function adapterFor(kind: ProviderKind): ProviderAdapter {
  return PROVIDER_ADAPTERS[kind];
}
