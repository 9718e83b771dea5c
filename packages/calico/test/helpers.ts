import { parseResources, type LoadedResource } from '../src/index';
import type { Compat } from '../src/index';

/** Parses inline YAML (validated exactly like a file). */
export function yamlResources(text: string, compat: Compat = '3.2'): LoadedResource[] {
  return parseResources(text, 'inline.yaml', { compat });
}

/** Maps and Sets → plain JSON for deep comparisons. */
export function plain<T>(v: T): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Map ? Object.fromEntries(x) : x instanceof Set ? [...x] : x)));
}
