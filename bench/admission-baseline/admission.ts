import { LuaScript, type AdmissionRequest, type AdmissionTicket, type RedisCommander, type SettlementOutcome, type SettlementRequest } from '@sluice/gateway/redis-state';
import { ADMIT_LUA } from './admit.lua';
import { admissionCall, settlementCall, ticketFor } from './script-calls';
import { SETTLE_LUA } from './settle.lua';

const admitScript = new LuaScript(ADMIT_LUA);
const settleScript = new LuaScript(SETTLE_LUA);

/**
 * The admission and settlement scripts as they were before issue 23, for `bench/admission-cost.ts` only:
 * admits or throws (the bench's limits never refuse), settles.
 */
export class BaselineAdmission {
  constructor(private readonly redis: RedisCommander) {}

  async admit(request: AdmissionRequest): Promise<AdmissionTicket> {
    const { keys, args } = admissionCall(request);
    const reply = (await admitScript.run(this.redis, keys, args)) as [number, string];
    if (reply[0] !== 1) throw new Error(`The baseline script did not admit: ${JSON.stringify(reply)}`);
    return ticketFor(request);
  }

  async settle(settlement: SettlementRequest): Promise<SettlementOutcome> {
    const { keys, args } = settlementCall(settlement);
    return (await settleScript.run(this.redis, keys, args)) as SettlementOutcome;
  }
}

export { admissionCall, settlementCall };
