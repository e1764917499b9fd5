import { Test } from '@nestjs/testing';
import type { ApiKeyRecordV1, ModelRecord, TenantRecordV1, UsageEventV1 } from '@sluice/contracts';
import { UsageRecorder, type AdmissionTicket } from '@sluice/gateway/redis-state';
import { MetricsRegistry } from '@sluice/platform';
import { AdmissionGate } from '../admission/admission-gate';
import { GatewayMetrics } from '../metering/gateway-metrics';
import { RequestMeter } from './request-meter';
import { SettleAndMeter } from './settle-and-meter';

const model = { id: 'm', pricing: { input_per_mtok_usd: 1, output_per_mtok_usd: 2 }, deployments: [] } as unknown as ModelRecord;
const caller = {
  apiKey: { id: 'key-1', environment: 'live', team: { id: 'team-1', limits: {} } } as ApiKeyRecordV1,
  tenant: { id: 'tenant-1' } as TenantRecordV1,
};
const ticket = { tenantId: 'tenant-1', requestId: 'r1' } as AdmissionTicket;

async function build(admission: Partial<AdmissionGate>, recorder: Partial<UsageRecorder>) {
  const module = await Test.createTestingModule({
    providers: [SettleAndMeter, GatewayMetrics, { provide: MetricsRegistry, useValue: new MetricsRegistry() }],
  })
    .useMocker((token) => (token === AdmissionGate ? admission : token === UsageRecorder ? recorder : undefined))
    .compile();
  return module.get(SettleAndMeter);
}

describe('SettleAndMeter', () => {
  it('records one usage event and settles with the actual tokens and cost', async () => {
    const recorded: UsageEventV1[] = [];
    const settle = jest.fn().mockResolvedValue('settled');
    const settlement = await build({ settle }, { record: (event: UsageEventV1) => void recorded.push(event) });
    const meter = new RequestMeter(model);
    meter.provider = 'mock';
    meter.providerUsage(10, 5);
    await settlement.settle({ requestId: 'r1', caller, ticket, meter, endpoint: 'chat_completions', stream: false });
    expect(settle).toHaveBeenCalledWith({ ticket, actualTokens: 15, actualCostMicros: 20, tokenTotals: { model: 'm', settledAt: expect.any(Date) } });
    expect(recorded).toEqual([
      expect.objectContaining({ request_id: 'r1', tenant_id: 'tenant-1', api_key_id: 'key-1', team_id: 'team-1', prompt_tokens: 10, completion_tokens: 5, cost_micros: 20, usage_source: 'provider', outcome: 'completed' }),
    ]);
  });

  it('never throws, whatever Redis or the recorder do', async () => {
    const settlement = await build(
      { settle: jest.fn().mockRejectedValue(new Error('Redis is down')) },
      {
        record: () => {
          throw new Error('UsageRecorder is closed');
        },
      },
    );
    await expect(
      settlement.settle({ requestId: 'r2', caller, ticket, meter: new RequestMeter(model), endpoint: 'messages', stream: true }),
    ).resolves.toBeUndefined();
  });
});
