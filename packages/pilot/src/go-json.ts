/**
 * JSON output the way Go's encoding/json writes it, because both Pilot and pilot-webhook are Go
 * programs and their bytes are what Envoy (and our tests) see:
 * - `<`, `>`, `&`, U+2028 and U+2029 inside strings are escaped as \u003c, \u003e, \u0026, \u2028, \u2029;
 * - map keys are sorted (generic objects decoded into interface{} are maps);
 * - MarshalIndent(v, prefix, indent) puts `prefix` before every line but the first.
 */

/** Applies Go's extra string escapes to JSON text (they can only occur inside strings). */
export function goEscapeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Generic value (decoded into interface{}) re-encoded with sorted map keys, compact. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareGoStrings)) out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Go sorts map keys by byte order of their UTF-8 encoding. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** json.Marshal of an already ordered JS value. */
export function goMarshal(value: unknown): string {
  return goEscapeJson(JSON.stringify(value));
}

/** json.MarshalIndent(value, prefix, indent) of an already ordered JS value. */
export function goMarshalIndent(value: unknown, prefix: string, indent: string): string {
  const text = goEscapeJson(JSON.stringify(value, null, indent));
  return text.split('\n').join(`\n${prefix}`);
}
