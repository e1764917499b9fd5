import type { DataSource } from 'typeorm';
import type { Transaction } from './unit-of-work';

/** Where a repository reads from: the pool, or the caller's transaction to see its own writes. */
export type Reader = DataSource | Transaction;

export async function query<T>(db: Reader, sql: string, params: unknown[] = []): Promise<T[]> {
  // Both a DataSource and a transaction have a manager: the pool's, or the transaction's connection.
  const result = (await db.manager.query(sql, params)) as unknown[];
  // TypeORM answers UPDATE and DELETE with [rows, rowCount] rather than rows.
  return (isUpdateResult(result) ? result[0] : result) as T[];
}

function isUpdateResult(result: unknown[]): result is [unknown[], number] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number';
}

export async function queryOne<T>(db: Reader, sql: string, params: unknown[] = []): Promise<T | null> {
  const [row] = await query<T>(db, sql, params);
  return row ?? null;
}

/** One page of a list and the total it was cut from. */
export interface Slice<T> {
  rows: T[];
  count: number;
}

export interface ListWindow {
  limit: number;
  offset: number;
  /** A column from the repository's allow-list, `-` for descending. */
  ordering?: string;
}

/**
 * `ORDER BY` from a client's `ordering`, only over the columns a repository
 * allows (anything else is refused by the caller's validation before it gets
 * here), with the id as tie-breaker so pages are stable.
 */
export function orderBy(ordering: string | undefined, allowed: readonly string[], fallback: string): string {
  const wanted = ordering && allowed.includes(ordering.replace(/^-/, '')) ? ordering : fallback;
  const column = wanted.replace(/^-/, '');
  return `ORDER BY ${column} ${wanted.startsWith('-') ? 'DESC' : 'ASC'}, id ASC`;
}

/** Runs a filtered list query and its count with the same WHERE clause. */
export async function listSlice<T>(
  db: Reader,
  from: string,
  where: string[],
  params: unknown[],
  window: ListWindow,
  order: string,
  columns = '*',
): Promise<Slice<T>> {
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const n = params.length;
  const [rows, [{ count }]] = await Promise.all([
    query<T>(db, `SELECT ${columns} FROM ${from} ${clause} ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, window.limit, window.offset]),
    query<{ count: string }>(db, `SELECT count(*) AS count FROM ${from} ${clause}`, params),
  ]);
  return { rows, count: Number(count) };
}

/** `%term%` for ILIKE, with the pattern characters of the term escaped. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** PostgreSQL's unique_violation, optionally of one constraint (its name, or a column's `<table>_<column>_key`). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === '23505' && (!constraint || driverError.constraint === constraint);
}
