/**
 * Exact paths of the routes served on node:http directly, looked up in the
 * raw request URL. A URL matches its route's path as written, or with one
 * trailing slash, and an optional query string: the spellings Fastify's
 * router (ignoreTrailingSlash) takes for the same route without decoding
 * anything. Every other spelling (percent-encoded, `;` parameters, dot
 * segments, doubled slashes, another case) is left to Fastify, which serves
 * or refuses it as before.
 */
export class RouteTable<T> {
  private readonly byPath = new Map<string, T>();

  add(path: string, route: T): void {
    if (!path.startsWith('/') || path.endsWith('/') || /[?;#%:*]/.test(path)) throw new Error(`Not a plain route path: ${path}`);
    this.byPath.set(path, route);
    this.byPath.set(`${path}/`, route);
  }

  get size(): number {
    return this.byPath.size / 2;
  }

  /** The route `url` (a request's raw URL) names, if any. */
  match(url: string): T | undefined {
    const query = url.indexOf('?');
    return this.byPath.get(query === -1 ? url : url.slice(0, query));
  }
}
