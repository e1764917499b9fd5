import { SluiceException } from '@sluice/platform';

/** Field path → what is wrong with it: the `details` of a validation error (docs/decisions.md, HTTP conventions). */
export type FieldProblems = Record<string, string[]>;

/**
 * A small checker for inbound bodies. The wire types are large and mostly
 * passed through to providers, so only what the gateway itself relies on is
 * checked; unknown fields pass (provider extensions keep working).
 */
export class BodyChecker {
  readonly problems: FieldProblems = {};

  constructor(readonly body: Record<string, unknown>) {}

  static of(body: unknown): BodyChecker {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new SluiceException('validation_error', 'The request body must be a JSON object', { body: ['must be a JSON object'] });
    }
    return new BodyChecker(body as Record<string, unknown>);
  }

  add(path: string, problem: string): void {
    (this.problems[path] ??= []).push(problem);
  }

  string(field: string, { required = false, nonEmpty = false } = {}): void {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (required) this.add(field, 'is required');
      return;
    }
    if (typeof value !== 'string') this.add(field, 'must be a string');
    else if (nonEmpty && value.trim() === '') this.add(field, 'must not be empty');
  }

  boolean(field: string): void {
    const value = this.body[field];
    if (value !== undefined && value !== null && typeof value !== 'boolean') this.add(field, 'must be a boolean');
  }

  number(field: string, min: number, max: number, { integer = false, required = false } = {}): void {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (required) this.add(field, 'is required');
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      this.add(field, integer ? 'must be an integer' : 'must be a number');
    } else if (value < min || value > max) {
      this.add(field, `must be from ${min} to ${max}`);
    }
  }

  /** A string or a list of strings (`stop`). */
  stringOrStrings(field: string, maxItems: number): void {
    const value = this.body[field];
    if (value === undefined || value === null || typeof value === 'string') return;
    if (!Array.isArray(value) || value.length > maxItems || !value.every((item) => typeof item === 'string')) {
      this.add(field, `must be a string or a list of at most ${maxItems} strings`);
    }
  }

  object(field: string): void {
    const value = this.body[field];
    if (value !== undefined && value !== null && !isObject(value)) this.add(field, 'must be an object');
  }

  array(field: string): unknown[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.add(field, 'must be an array');
      return undefined;
    }
    return value;
  }

  /** Throws the 400 listing every problem found, if any. */
  done(): void {
    const fields = Object.keys(this.problems);
    if (fields.length === 0) return;
    throw new SluiceException('validation_error', `Invalid ${fields.join(', ')}`, this.problems, fields.length === 1 ? fields[0] : null);
  }
}

/**
 * The body without its top-level `null` fields: both APIs read a null
 * parameter as one left out, and what follows validation (translation, token
 * estimates, providers) then never meets a null where it expects a value.
 */
export function withoutNullFields(body: Record<string, unknown>): Record<string, unknown> {
  // A loop into an object literal: Object.fromEntries built a slow (dictionary) object, which the request's
  // translation and serialisation then paid for again (docs/decisions.md, "Issue 22, plain path, session 8").
  const kept: Record<string, unknown> = {};
  for (const field of Object.keys(body)) {
    const value = body[field];
    if (value === null) continue;
    // An own `__proto__` field stays a field, as Object.fromEntries kept it (the strict JSON parser refuses it anyway).
    if (field === '__proto__') Object.defineProperty(kept, field, { value, enumerable: true, writable: true, configurable: true });
    else kept[field] = value;
  }
  return kept;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Message content as both APIs allow it: a string, or a list of typed parts (text parts carry a string). */
export function contentProblem(content: unknown, nullable: boolean): string | null {
  if (typeof content === 'string') return null;
  if (content === null || content === undefined) return nullable ? null : 'is required';
  if (!Array.isArray(content)) return 'must be a string or a list of content parts';
  for (const part of content) {
    if (!isObject(part) || typeof part['type'] !== 'string') return 'content parts must be objects with a type';
    if (part['type'] === 'text' && typeof part['text'] !== 'string') return 'text parts must carry a string text';
  }
  return null;
}
