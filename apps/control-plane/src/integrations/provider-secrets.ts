import { Injectable } from '@nestjs/common';
import { SecretBox } from '../secrets/secret-box';
import type { ProviderRow } from './providers.repository';

/** A provider's shared secret, sealed at rest with SECRETS_KEY under a context naming its row. */
@Injectable()
export class ProviderSecrets {
  constructor(private readonly box: SecretBox) {}

  seal(providerId: string, secret: string): string {
    return this.box.seal(secret, context(providerId));
  }

  open(provider: Pick<ProviderRow, 'id' | 'secret_sealed'>): string | null {
    return provider.secret_sealed === null ? null : this.box.open(provider.secret_sealed, context(provider.id));
  }
}

const context = (providerId: string): string => `integration_provider:${providerId}`;
