/**
 * Which real Dikastes to behave like:
 * - '3.2'  the 2018 release line (app-policy v3.2/v3.3): strict principals, 2018 selector language;
 * - '3.28' the single-tier engine of Calico v3.12 .. v3.28 (default);
 * - '3.29' the multi-tier engine with tier default actions (Calico v3.29).
 */
export type Compat = '3.2' | '3.28' | '3.29';

export const COMPAT_LEVELS: readonly Compat[] = ['3.2', '3.28', '3.29'];
export const DEFAULT_COMPAT: Compat = '3.28';

export function isCompat(value: unknown): value is Compat {
  return typeof value === 'string' && (COMPAT_LEVELS as readonly string[]).includes(value);
}
