import { Test } from '@nestjs/testing';
import { ProviderCredentials } from '../upstream/provider-credentials';
import { UpstreamClient } from '../upstream/upstream-client';
import { UpstreamModule } from '../upstream/upstream.module';
import { RoutingModule } from './routing.module';
import { UpstreamRouter } from './upstream-router';

describe('UpstreamModule and RoutingModule', () => {
  it('provide one configured client, credential lookup and router, and close the client on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        UpstreamModule.forRoot({ credentials: { environment: { MOCK_KEY: 'k' }, allowed: ['MOCK_KEY'] }, connectionsPerOrigin: 4 }),
        RoutingModule.forRoot({ breaker: { failureThreshold: 1 }, retry: { maxAttempts: 2 } }),
      ],
    }).compile();
    const client = moduleRef.get(UpstreamClient);
    const router = moduleRef.get(UpstreamRouter);
    const deployment = { id: 'd', provider: 'mock' as const, base_url: 'http://mock', upstream_model: 'm', credential_env: 'MOCK_KEY', weight: 1, region: null, timeout_ms: 1 };
    expect(moduleRef.get(ProviderCredentials).target(deployment).credential).toBe('k');
    expect(router.retryPolicy.maxAttempts).toBe(2);
    router.breakers.recordFailure('d');
    expect(router.breakers.state('d')).toBe('open');

    const closing = jest.spyOn(client, 'close');
    await moduleRef.close();
    expect(closing).toHaveBeenCalledTimes(1);
  });
});
