import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IS_PUBLIC } from '@sluice/platform';
import { request } from 'node:http';

export interface DeclaredRoute {
  method: string;
  /** The route's pattern, `:params` included, without a trailing slash. */
  path: string;
  isPublic: boolean;
}

/** Every route the app's Nest controllers declare, and whether it is marked `@Public()`: new routes are covered without listing them. */
export function declaredRoutes(app: NestFastifyApplication): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      const classPublic = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const isPublic = classPublic || Reflect.getMetadata(IS_PUBLIC, handler) === true;
        for (const prefix of prefixes) {
          for (const path of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
            const joined = `/${[prefix, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
            routes.push({ method: RequestMethod[method], path: joined, isPublic });
          }
        }
      }
    }
  }
  return routes;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [typeof value === 'string' ? value : '/'];
}

/**
 * Spellings of `path` that a router might take for it, or a string test on the
 * raw URL might not: percent-encoded letters (lower, upper and mixed-case
 * hex), double encoding, changed case, dot segments, doubled and encoded
 * slashes. Only the route's static segments vary; `:params` become `param`.
 */
export function pathVariants(path: string, param = 'param'): string[] {
  const pattern = path.split('/').filter(Boolean);
  const segments = pattern.map((segment) => (segment.startsWith(':') ? param : segment));
  const staticIndexes = pattern.flatMap((segment, i) => (segment.startsWith(':') ? [] : [i]));
  const join = (parts: string[]) => `/${parts.join('/')}/`;
  const variants = new Set<string>();
  for (const i of staticIndexes.slice(0, 3)) {
    const segment = segments[i];
    const replace = (spelling: string) => join(segments.map((part, j) => (j === i ? spelling : part)));
    variants.add(replace(`${hex(segment[0], 'lower')}${segment.slice(1)}`));
    variants.add(replace([...segment].map((char, k) => hex(char, k % 2 ? 'lower' : 'upper')).join('')));
    variants.add(replace(`%25${hex(segment[0], 'lower').slice(1)}${segment.slice(1)}`));
    variants.add(replace(segment.toUpperCase()));
    variants.add(replace([...segment].map((char, k) => (k % 2 ? char.toUpperCase() : char)).join('')));
    variants.add(replace(`${segment}%00`));
  }
  const [first, ...rest] = segments;
  variants.add(`/x/..${join(segments)}`);
  variants.add(`/%2e%2e${join(segments)}`);
  variants.add(`/${first}/.${join(rest)}`);
  variants.add(`/${first}/%2E${join(rest)}`);
  variants.add(`/${first}/x/%2e%2e${join(rest)}`);
  variants.add(`/${first}/x/../${rest.join('/')}`);
  variants.add(`/${join(segments)}`);
  variants.add(`/${first}/${join(rest)}`);
  variants.add(`${join(segments)}/`);
  variants.add(`/${first}%2F${rest.join('/')}/`);
  variants.add(`/${first}%2f${rest.join('%2f')}`);
  variants.add(`/${first}%5C${rest.join('/')}`);
  variants.add(join(segments).replace(/\/$/, '') + '?x=/api/');
  return [...variants];
}

function hex(char: string, letters: 'lower' | 'upper'): string {
  const code = char.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${letters === 'upper' ? code.toUpperCase() : code}`;
}

export interface RawResponse {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One HTTP request with the path sent exactly as given: `fetch` (WHATWG URL)
 * would resolve `..` and `%2e%2e` before sending, hiding what a server sees.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  { headers = {}, body }: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType: Record<string, string> = payload === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, method, path, headers: { ...contentType, ...headers } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : {};
        } catch {
          // Not JSON: the test sees the text.
        }
        resolve({ status: incoming.statusCode ?? 0, body: parsed, headers: incoming.headers });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
