import { randomUUID } from 'node:crypto';

export const DATA_TYPES = ['users', 'subscriptions', 'notifications'] as const;
export type DataType = (typeof DATA_TYPES)[number];
export type MockRecord = Record<string, unknown> & { id: string; created_at: string };

const PLANS = ['basic', 'premium', 'enterprise'];

/** Deterministic records (`user-0001`, …) so a sync's result is predictable; POSTed ones are added after them. */
export function seedRecords(count: number): Record<DataType, MockRecord[]> {
  const at = '2026-01-01T00:00:00.000Z';
  const pad = (i: number) => String(i + 1).padStart(4, '0');
  return {
    users: Array.from({ length: count }, (_, i) => ({ id: `user-${pad(i)}`, email: `user${i + 1}@partner.example`, name: `Partner User ${i + 1}`, status: 'active', created_at: at })),
    subscriptions: Array.from({ length: count }, (_, i) => ({ id: `sub-${pad(i)}`, user_id: `user-${pad(i)}`, plan: PLANS[i % PLANS.length], amount: '29.99', status: 'active', created_at: at })),
    notifications: Array.from({ length: count }, (_, i) => ({ id: `note-${pad(i)}`, user_id: `user-${pad(i)}`, type: 'email', subject: 'Welcome!', message: 'Welcome to our platform', created_at: at })),
  };
}

/** A POSTed record: the body's string, number and boolean fields, with an id and creation time of its own. */
export function newRecord(body: Record<string, unknown>): MockRecord {
  const fields = Object.fromEntries(Object.entries(body).filter(([key, value]) => key !== 'id' && ['string', 'number', 'boolean'].includes(typeof value)));
  return { ...fields, id: randomUUID(), created_at: new Date().toISOString() };
}
