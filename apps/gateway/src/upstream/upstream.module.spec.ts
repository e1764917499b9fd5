import { Test } from '@nestjs/testing';
import { RoutingModule } from '../routing/routing.module';
import { UpstreamRouter } from '../routing/upstream-router';
import { ProviderCredentials } from './provider-credentials';
import { UpstreamClient } from './upstream-client';
import { UpstreamModule } from './upstream.module';

describe('UpstreamModule and RoutingModule', () => {
  it('provide one configured client, credential lookup and router, and close the client on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        UpstreamModule.forRoot({ credentialEnvironment: { MOCK_KEY: 'k' }, connectionsPerOrigin: 4 }),
        RoutingModule.forRoot({ breaker: { failureThreshold: 1 }, retry: { maxAttempts: 2 } }),
      ],
    }).compile();
    const client = moduleRef.get(UpstreamClient);
    const router = moduleRef.get(UpstreamRouter);
    expect(moduleRef.get(ProviderCredentials).forDeployment({ id: 'd', credential_env: 'MOCK_KEY' })).toBe('k');
    expect(router.retryPolicy.maxAttempts).toBe(2);
    router.breakers.recordFailure('d');
    expect(router.breakers.state('d')).toBe('open');

    const closing = jest.spyOn(client, 'close');
    await moduleRef.close();
    expect(closing).toHaveBeenCalledTimes(1);
  });
});
