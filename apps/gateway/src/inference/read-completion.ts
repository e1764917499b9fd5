import { ProviderResponseError, type CanonicalResponse, type ProviderAdapter } from '@sluice/gateway/providers';
import { SluiceException } from '@sluice/platform';
import type { UpstreamResponse } from '../upstream/upstream-client';

export interface ReadCompletion {
  completion: CanonicalResponse;
  /** The body as the provider sent it, for an edge that can relay it as it is. */
  text: string;
}

/** A non-streamed answer: the whole body, checked to be what the provider's API promises. */
export async function readCompletion(response: UpstreamResponse, adapter: ProviderAdapter): Promise<ReadCompletion> {
  const text = await response.body.text();
  try {
    return { completion: adapter.parseResponse(JSON.parse(text)), text };
  } catch (error) {
    const reason = error instanceof ProviderResponseError ? error.message : 'The provider answered with malformed JSON';
    throw new SluiceException('provider_error', reason);
  }
}
