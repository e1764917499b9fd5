/** A value of a form-encoded Stripe request, after bracket keys (`metadata[plan]`, `line_items[0][quantity]`) are nested. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const INDEX = /^\d+$/;

/**
 * Decodes `application/x-www-form-urlencoded` the way Stripe's API reads it:
 * `a[b]=1` nests, `a[0][b]=1` and `a[]=1` make lists.
 */
export function parseForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = splitKey(key);
    if (path.length === 0) continue;
    let node: FormObject = root;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i] === '' ? String(Object.keys(node).length) : path[i];
      const next = node[segment];
      if (typeof next === 'object' && !Array.isArray(next)) node = next;
      else node = node[segment] = {};
    }
    const last = path[path.length - 1];
    node[last === '' ? String(Object.keys(node).length) : last] = value;
  }
  return listify(root) as FormObject;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open < 0) return [key];
  const segments = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) segments.push(match[1]);
  return segments;
}

/** Objects whose keys are exactly 0..n-1 become lists. */
function listify(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((key) => [key, listify(value[key])] as const);
  if (keys.length > 0 && keys.every((key) => INDEX.test(key)) && keys.every((_, i) => value[String(i)] !== undefined)) {
    return keys.map((_, i) => listify(value[String(i)]));
  }
  return Object.fromEntries(entries);
}
