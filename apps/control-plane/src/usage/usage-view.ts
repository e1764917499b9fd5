import type { UsageTotalsRow } from '@sluice/control-plane/data-access';
import { microsToUsd } from '../credits/credits-view';
import type { UsageGroup } from './dto/usage.dto';

export interface UsageFigures {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_micros: number;
  cost_usd: number;
}

/** The field naming each group in the results: `{"model": "gpt-4o", ...}`, `{"api_key_id": ..., ...}`. */
const GROUP_FIELDS: Record<UsageGroup, string> = { day: 'day', model: 'model', key: 'api_key_id', team: 'team_id', environment: 'environment' };

/** Keys and teams are also named (a deleted key keeps its name): `{"api_key_id": ..., "api_key_name": "ci", ...}`. */
const NAME_FIELDS: Partial<Record<UsageGroup, string>> = { key: 'api_key_name', team: 'team_name' };

/** One group's row: a team id is null for the usage of keys in no team. */
export type UsageResult = Record<string, string | number | null>;

export function usageFigures(row: Omit<UsageTotalsRow, 'group'>): UsageFigures {
  const prompt = Number(row.prompt_tokens);
  const completion = Number(row.completion_tokens);
  const cost = Number(row.cost_micros);
  return {
    requests: Number(row.requests),
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cost_micros: cost,
    cost_usd: microsToUsd(cost),
  };
}

export function usageResult(groupBy: UsageGroup, row: UsageTotalsRow): UsageResult {
  const nameField = NAME_FIELDS[groupBy];
  return { [GROUP_FIELDS[groupBy]]: row.group, ...(nameField ? { [nameField]: row.name ?? null } : {}), ...usageFigures(row) };
}

export function usageTotals(rows: UsageTotalsRow[]): UsageFigures {
  const sum = (field: keyof Omit<UsageTotalsRow, 'group' | 'name'>) => rows.reduce((total, row) => total + Number(row[field]), 0).toString();
  return usageFigures({ requests: sum('requests'), prompt_tokens: sum('prompt_tokens'), completion_tokens: sum('completion_tokens'), cost_micros: sum('cost_micros') });
}
