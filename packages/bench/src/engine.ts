/**
 * The narrow view of @alpsim/dikastes the in-process benchmark needs, resolved at run time so
 * the bench package builds even while the engine's API is still settling.
 */
export interface EngineAdapter {
  newStore(): unknown;
  apply(store: unknown, message: unknown): void;
  check(store: unknown, request: unknown, compat: string): number;
}

export function loadEngine(): EngineAdapter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dikastes = require('@alpsim/dikastes') as Record<string, unknown>;
  const PolicyStore = dikastes.PolicyStore as (new () => Record<string, unknown>) | undefined;
  const evaluateCheck = dikastes.evaluateCheck as ((store: unknown, request: unknown, opts: unknown) => { code: number }) | undefined;
  if (typeof PolicyStore !== 'function' || typeof evaluateCheck !== 'function') {
    throw new Error('@alpsim/dikastes does not export PolicyStore and evaluateCheck (yet)');
  }
  const probe = new PolicyStore();
  const method = ['apply', 'applyUpdate', 'processUpdate', 'update', 'handle'].find((m) => typeof probe[m] === 'function');
  if (!method) throw new Error('@alpsim/dikastes PolicyStore has no apply(message) method');
  return {
    newStore: () => new PolicyStore(),
    apply: (store, message) => (store as Record<string, (m: unknown) => void>)[method](message),
    check: (store, request, compat) => evaluateCheck(store, request, { compat }).code,
  };
}
