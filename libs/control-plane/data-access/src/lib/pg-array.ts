/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) built in one pass, for a
 * parameter such as `$1::text[]`. node-postgres serialises a JavaScript array
 * element by element through its generic value preparation (a type check, an
 * escape and a concatenation each), which cost more of the metering consumer's
 * CPU than parsing the events; a string parameter goes to the server as is.
 *
 * Every string element is quoted, so no value, whatever it holds (a comma, a
 * brace, a space, the word NULL), can split or shift the array; only `"` and
 * `\` need escaping inside quotes. Numbers go unquoted (PostgreSQL refuses a
 * non-integer for an integer array, as it would from node-postgres); null and
 * undefined are SQL NULL.
 */
export function arrayLiteral(values: ArrayLike<string | number | null | undefined>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) out += 'NULL';
    else if (typeof value === 'number') out += String(value);
    else out += quoteElement(value);
  }
  return out + '}';
}

function quoteElement(value: string): string {
  // Two indexOf scans are cheaper than a regular expression test on short strings.
  return value.indexOf('"') === -1 && value.indexOf('\\') === -1 ? `"${value}"` : `"${value.replace(/["\\]/g, '\\$&')}"`;
}
