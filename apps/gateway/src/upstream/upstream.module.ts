import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Tracing } from '@sluice/platform';
import { ProviderCredentials, type CredentialEnvironment } from './provider-credentials';
import { UpstreamClient, type UpstreamClientOptions } from './upstream-client';

export interface UpstreamModuleOptions extends UpstreamClientOptions {
  /** Where `credential_env` names are looked up: the gateway's environment, handed over by its config. */
  credentialEnvironment: CredentialEnvironment;
}

/** The pooled upstream client (traced when the app's tracing is on) and the credential lookup, one of each per process. */
@Module({})
export class UpstreamModule implements OnApplicationShutdown {
  constructor(private readonly client: UpstreamClient) {}

  static forRoot({ credentialEnvironment, ...clientOptions }: UpstreamModuleOptions): DynamicModule {
    return {
      module: UpstreamModule,
      providers: [
        {
          provide: UpstreamClient,
          // The app's Tracing (TracingModule) when there is one: calls are then traced when it is enabled.
          inject: [{ token: Tracing, optional: true }],
          useFactory: (tracing: Tracing | undefined) => new UpstreamClient({ ...clientOptions, tracing }),
        },
        { provide: ProviderCredentials, useFactory: () => new ProviderCredentials(credentialEnvironment) },
      ],
      exports: [UpstreamClient, ProviderCredentials],
    };
  }

  /** Runs after the HTTP server has stopped taking requests: lets calls in flight finish, then closes the connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
