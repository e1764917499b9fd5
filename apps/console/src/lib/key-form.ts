import type { Schemas } from '@sluice/client';

export type CreateKeyBody = Schemas['CreateApiKeyDto'];

/** What the key form holds: text as typed. */
export interface KeyFormValues {
  name: string;
  environment: 'live' | 'test';
  scopes: Array<'read' | 'write' | 'inference'>;
  models: string;
  ips: string;
  rpm: string;
  tpm: string;
  budgetUsd: string;
  budgetPeriod: '' | 'day' | 'month' | 'total';
  expiresAt: string;
}

export const EMPTY_KEY_FORM: KeyFormValues = {
  name: '',
  environment: 'test',
  scopes: ['inference'],
  models: '',
  ips: '',
  rpm: '',
  tpm: '',
  budgetUsd: '',
  budgetPeriod: '',
  expiresAt: '',
};

/** Comma- or line-separated entries, trimmed, blanks dropped. */
export function listOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * The request body for `POST /api/api-keys`. Only what the form can tell
 * without the API (a number field that is not a number) is refused here;
 * everything else is left to the API, whose field errors the form shows.
 */
export function keyRequest(values: KeyFormValues): { body: CreateKeyBody; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const number = (text: string, field: string): number | undefined => {
    if (text.trim() === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) errors[field] = 'must be a number';
    return value;
  };
  const limits = {
    rpm: number(values.rpm, 'limits.rpm'),
    tpm: number(values.tpm, 'limits.tpm'),
    budget_usd: number(values.budgetUsd, 'limits.budget_usd'),
    budget_period: values.budgetPeriod || undefined,
  };
  const definedLimits = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  const models = listOf(values.models);
  const ips = listOf(values.ips);
  const body: CreateKeyBody = {
    name: values.name.trim(),
    environment: values.environment,
    scopes: values.scopes,
    ...(models.length > 0 ? { allowed_models: models } : {}),
    ...(ips.length > 0 ? { allowed_ips: ips } : {}),
    ...(Object.keys(definedLimits).length > 0 ? { limits: definedLimits } : {}),
    ...(values.expiresAt ? { expires_at: new Date(`${values.expiresAt}T23:59:59Z`).toISOString() } : {}),
  };
  return { body, errors };
}
