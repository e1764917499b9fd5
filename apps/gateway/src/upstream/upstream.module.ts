import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Tracing } from '@sluice/platform';
import { DestinationPolicy, type Cidr } from '@sluice/auth';
import { OnceLogger } from './once-logger';
import { ProviderCredentials, type ProviderCredentialsOptions } from './provider-credentials';
import { UpstreamClient, type UpstreamClientOptions } from './upstream-client';

export interface UpstreamModuleOptions extends Omit<UpstreamClientOptions, 'destinations' | 'tracing'> {
  /** Which variables hold provider credentials, and where they are read: handed over by the gateway's config. */
  credentials: ProviderCredentialsOptions;
  /** `UPSTREAM_ALLOWED_PRIVATE_CIDRS`: non-public addresses that providers may still have. */
  allowedPrivateCidrs?: readonly Cidr[];
}

/** The pooled upstream client (traced when the app's tracing is on) and the credential lookup, one of each per process. */
@Module({})
export class UpstreamModule implements OnApplicationShutdown {
  constructor(private readonly client: UpstreamClient) {}

  static forRoot({ credentials, allowedPrivateCidrs = [], ...clientOptions }: UpstreamModuleOptions): DynamicModule {
    return {
      module: UpstreamModule,
      providers: [
        {
          provide: UpstreamClient,
          // The app's Tracing (TracingModule) when there is one: calls are then traced when it is enabled.
          inject: [{ token: Tracing, optional: true }],
          useFactory: (tracing: Tracing | undefined) => new UpstreamClient({ ...clientOptions, tracing, destinations: destinationPolicy(allowedPrivateCidrs) }),
        },
        { provide: ProviderCredentials, useFactory: () => new ProviderCredentials(credentials) },
      ],
      exports: [UpstreamClient, ProviderCredentials],
    };
  }

  /** Runs after the HTTP server has stopped taking requests: lets calls in flight finish, then closes the connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** Refusals are the operator's to see (the client only gets "could not reach the provider"). */
function destinationPolicy(allowedPrivate: readonly Cidr[]): DestinationPolicy {
  const log = new OnceLogger('Upstream');
  return new DestinationPolicy({ allowedPrivate, onRefused: (refusal) => log.warn(`${refusal.host}\u0000${refusal.address}`, refusal.message) });
}
