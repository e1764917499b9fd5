import type { components } from '@sluice/client';

type Window = components['schemas']['LiveWindowResponseDto'];

const WINDOW_NAMES: Record<Window['limit'], string> = {
  rpm: 'Requests per minute',
  rph: 'Requests per hour',
  rpd: 'Requests per day',
  tpm: 'Tokens per minute',
  tph: 'Tokens per hour',
  tpd: 'Tokens per day',
};

/** A live window's bar label: what it counts, and at which level when not the tenant's own. */
export function windowLabel(window: Pick<Window, 'limit' | 'level'>): string {
  const name = WINDOW_NAMES[window.limit];
  if (window.level === 'tenant') return name;
  return `${name} (${window.level})`;
}

/** Seconds until a window resets (its `reset`, epoch seconds, less the time the answer was checked at), in words. */
export function resetIn(seconds: number): string {
  if (!(seconds > 0)) return 'resets now';
  if (seconds < 60) return `resets in ${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `resets in ${Math.ceil(seconds / 60)} min`;
  return `resets in ${Math.ceil(seconds / 3600)} h`;
}
