export * from './admission.types';
export * from './admission';
export * from './rate-limit-headers';
export * from './resolve-limits';
export { admissionCall, settlementCall, ticketFor, admissionRecordTtlMs, type ScriptCall } from './script-calls';
export * from './token-totals';
export { LuaScript, type RedisCommander } from './lua-script';
