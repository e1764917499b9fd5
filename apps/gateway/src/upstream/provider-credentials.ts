import type { DeploymentRecord } from '@sluice/contracts';
import { OnceLogger } from './once-logger';
import { UpstreamError } from './upstream.error';

/** Environment variables by name: the gateway's `process.env`, passed in by whoever wires the app. */
export type CredentialEnvironment = Readonly<Record<string, string | undefined>>;

export interface ProviderCredentialsOptions {
  /** Where credentials are read; only the `allowed` names are ever looked up in it. */
  environment: CredentialEnvironment;
  /** `PROVIDER_CREDENTIAL_ENVS`: the names a deployment's `credential_env` may use. */
  allowed: readonly string[];
  /**
   * Development only (`DEV_MOCK_UPSTREAM_URL`): the mock provider, which then
   * answers for every deployment whose credential is missing.
   */
  devMockUrl?: string | null;
}

/** Where one attempt goes: the catalog's deployment, or the mock standing in for it. */
export interface UpstreamTarget {
  deployment: DeploymentRecord;
  credential: string | null;
  /** `mock` when the development fallback serves a deployment that has no credential here. */
  servedBy: 'provider' | 'mock';
}

/**
 * Looks up a deployment's credential in the gateway's environment by the name
 * the catalog gives (`credential_env`); secrets never travel through Redis.
 * Only the names of `PROVIDER_CREDENTIAL_ENVS` are read: a catalog entry that
 * names any other variable (the gateway's JWT secret) gets nothing.
 */
export class ProviderCredentials {
  private readonly log = new OnceLogger('Upstream');
  private readonly allowed: ReadonlySet<string>;
  private readonly devMockUrl: string | null;
  private readonly substitutes = new WeakMap<DeploymentRecord, DeploymentRecord>();

  constructor(private readonly options: ProviderCredentialsOptions) {
    this.allowed = new Set(options.allowed);
    this.devMockUrl = options.devMockUrl ?? null;
  }

  /**
   * Where to send the attempt. A missing, empty or unlisted variable is a 503
   * that names neither the variable nor the deployment (the log does), and is
   * not retried: it is the operator's to fix, and hiding it behind a fallback
   * would keep it unnoticed. In development, the mock answers instead.
   */
  target(deployment: DeploymentRecord): UpstreamTarget {
    const name = deployment.credential_env;
    if (name === null) return { deployment, credential: null, servedBy: 'provider' };
    const listed = this.allowed.has(name);
    const value = listed ? this.options.environment[name] : undefined;
    if (value !== undefined && value !== '') return { deployment, credential: value, servedBy: 'provider' };
    if (this.devMockUrl !== null) return { deployment: this.substitute(deployment, this.devMockUrl), credential: null, servedBy: 'mock' };
    this.log.warn(
      `${deployment.id}\u0000${name}`,
      listed
        ? `Deployment ${deployment.id} needs the credential variable ${name}, which is not set in the gateway's environment`
        : `Deployment ${deployment.id} names the credential variable ${name}, which is not in PROVIDER_CREDENTIAL_ENVS: it is never read`,
    );
    throw new UpstreamError({
      code: 'provider_not_configured',
      kind: 'not_configured',
      retryable: false,
      message: 'The provider of this model is not configured on this gateway',
    });
  }

  /** The same deployment on the mock provider, which speaks the provider's wire format; one record per deployment record. */
  private substitute(deployment: DeploymentRecord, baseUrl: string): DeploymentRecord {
    let substitute = this.substitutes.get(deployment);
    if (substitute === undefined) {
      substitute = { ...deployment, base_url: baseUrl, credential_env: null };
      this.substitutes.set(deployment, substitute);
    }
    return substitute;
  }
}
