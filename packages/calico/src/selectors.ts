// Thin layer over @alpsim/selector: dialect per compat, a parse cache, and error text for validation.
import { parseSelector, type Selector } from '@alpsim/selector';
import type { Compat } from './types';

export type { Selector };

export function dialectFor(compat: Compat): 'modern' | '2018' {
  return compat === '3.2' ? '2018' : 'modern';
}

const cache = new Map<string, Selector>();

/** Parses (cached); throws the selector package's error on bad input. */
export function selector(text: string, compat: Compat): Selector {
  const dialect = dialectFor(compat);
  const key = `${dialect}\u0000${text}`;
  let s = cache.get(key);
  if (!s) {
    s = parseSelector(text, { dialect });
    if (cache.size > 20000) cache.clear();
    cache.set(key, s);
  }
  return s;
}

export function canonical(text: string, compat: Compat): string {
  return selector(text, compat).canonical;
}

/** undefined when valid, else a message "invalid selector: ... at column N". */
export function selectorProblem(text: string, compat: Compat): string | undefined {
  try {
    selector(text, compat);
    return undefined;
  } catch (err) {
    const e = err as Error & { column?: number };
    const col = typeof e.column === 'number' ? ` (column ${e.column})` : '';
    return `expected a valid selector${col}: ${e.message}`;
  }
}

/** True when the selector uses global() (ignores quoted strings). */
export function usesGlobal(text: string): boolean {
  const unquoted = text.replace(/"[^"]*"|'[^']*'/g, '""');
  return /(^|[^a-zA-Z0-9_./-])global\s*\(/.test(unquoted);
}
