import type { DeploymentRecord } from '@sluice/contracts';
import { UpstreamError } from './upstream.error';

/** Environment variables by name: the gateway's `process.env`, passed in by whoever wires the app. */
export type CredentialEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * Looks up a deployment's credential in the gateway's environment by the name
 * the catalog gives (`credential_env`); secrets never travel through Redis.
 */
export class ProviderCredentials {
  constructor(private readonly environment: CredentialEnvironment) {}

  /**
   * The credential, or null when the deployment needs none. A missing or empty
   * variable is a 503 naming the variable, never its value, and not retried:
   * it is the operator's to fix, and hiding it behind a fallback would keep it
   * unnoticed.
   */
  forDeployment(deployment: Pick<DeploymentRecord, 'id' | 'credential_env'>): string | null {
    const name = deployment.credential_env;
    if (name === null) return null;
    const value = this.environment[name];
    if (value === undefined || value === '') {
      throw new UpstreamError({
        code: 'provider_not_configured',
        kind: 'not_configured',
        retryable: false,
        message: `The provider is not configured: environment variable ${name} is not set`,
        details: { credential_env: name, deployment: deployment.id },
      });
    }
    return value;
  }
}
