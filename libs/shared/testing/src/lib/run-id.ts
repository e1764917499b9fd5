import { randomBytes } from 'node:crypto';

const RUN_ID_VARIABLE = 'SLUICE_TEST_RUN_ID';

/**
 * One id per test run, set by the first caller (Jest's global setup) and
 * inherited by the workers, so everything a run creates can be found and
 * removed afterwards. It starts with the UTC date and time, letting a later
 * run recognise leftovers of a crashed one by age.
 */
export function testRunId(): string {
  const existing = process.env[RUN_ID_VARIABLE];
  if (existing) return existing;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 12);
  const id = `${stamp}_${randomBytes(3).toString('hex')}`;
  process.env[RUN_ID_VARIABLE] = id;
  return id;
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}
