/**
 * The JSON text of an OpenAI object whose top-level `model` is `from`, with
 * `model` set to `to`, by replacing the field in the text: the answer relayed
 * as the provider wrote it, without serialising it again. Only where the
 * field is unambiguous: it appears once, compact (`"model":"…"`). An
 * unescaped `"model":` can only be a key (inside a string every quote is
 * escaped), and a serialiser formats the whole document alike, so the one
 * compact occurrence is the top level's. Otherwise undefined: the caller
 * serialises the parsed object again.
 */
export function withModelName(json: string, from: string, to: string): string | undefined {
  if (from === to) return json;
  const field = `"model":${JSON.stringify(from)}`;
  const at = json.indexOf(field);
  if (at < 0 || json.includes(field, at + field.length)) return undefined;
  return `${json.slice(0, at)}"model":${JSON.stringify(to)}${json.slice(at + field.length)}`;
}
