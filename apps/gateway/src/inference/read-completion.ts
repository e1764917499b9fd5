import { ProviderResponseError, type CanonicalResponse, type ProviderAdapter } from '@sluice/gateway/providers';
import { SluiceException } from '@sluice/platform';
import type { UpstreamResponse } from '../upstream/upstream-client';

/** A non-streamed answer: the whole body, checked to be what the provider's API promises. */
export async function readCompletion(response: UpstreamResponse, adapter: ProviderAdapter): Promise<CanonicalResponse> {
  const text = await response.body.text();
  try {
    return adapter.parseResponse(JSON.parse(text));
  } catch (error) {
    const reason = error instanceof ProviderResponseError ? error.message : 'The provider answered with malformed JSON';
    throw new SluiceException('provider_error', reason);
  }
}
