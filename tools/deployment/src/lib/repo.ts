import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The workspace root: tools/deployment/src/lib → four levels up. */
export const REPO_ROOT = resolve(__dirname, '../../../..');

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

export function readRepoFile(...segments: string[]): string {
  return readFileSync(repoPath(...segments), 'utf8');
}

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
