/** A configuration problem, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const PORT_HINT = 'an integer from 0 to 65535 (0 picks a free port)';

/** Reads a TCP port from an environment value; unset or blank gives `fallback`, 0 picks a free port. */
export function parsePort(raw: string | undefined, name: string, fallback: number): number {
  return wholeNumber(raw, name, fallback, { digits: 5, max: 65535, hint: PORT_HINT });
}

/** Reads a whole number from 0 to `max` (at most seven digits); unset or blank gives `fallback`. */
export function parseWholeNumber(raw: string | undefined, name: string, fallback: number, max: number): number {
  return wholeNumber(raw, name, fallback, { digits: 7, max, hint: `an integer from 0 to ${max}` });
}

/** Reads a host to listen on; unset or blank gives `fallback`. */
export function parseHost(raw: string | undefined, fallback: string): string {
  return raw?.trim() || fallback;
}

function wholeNumber(raw: string | undefined, name: string, fallback: number, rule: { digits: number; max: number; hint: string }): number {
  const text = raw?.trim() ?? '';
  if (text === '') return fallback;
  const value = new RegExp(`^\\d{1,${rule.digits}}$`).test(text) ? Number(text) : NaN;
  if (!(value <= rule.max)) throw new ConfigError(`Invalid configuration: ${name} must be ${rule.hint}, got "${raw}"`);
  return value;
}
