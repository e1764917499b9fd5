import { Module, type DynamicModule } from '@nestjs/common';
import { CircuitBreakerRegistry, type CircuitBreakerOptions } from './circuit-breaker';
import { DeploymentSelector } from './deployment-selector';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy';
import { UpstreamRouter } from './upstream-router';

export interface RoutingModuleOptions {
  breaker?: CircuitBreakerOptions;
  retry?: RetryPolicyOptions;
}

/** One router per process, so every request shares the deployments' circuit breakers. */
@Module({})
export class RoutingModule {
  static forRoot(options: RoutingModuleOptions = {}): DynamicModule {
    return {
      module: RoutingModule,
      providers: [
        {
          provide: UpstreamRouter,
          useFactory: () =>
            new UpstreamRouter({
              selector: new DeploymentSelector(),
              breakers: new CircuitBreakerRegistry(options.breaker),
              retryPolicy: new RetryPolicy(options.retry),
            }),
        },
      ],
      exports: [UpstreamRouter],
    };
  }
}
