// Service-account and namespace selectors, parsed once per (dialect, text) for the whole process
// and evaluated with a per-request memo. An unparseable selector never matches (§9 item 15).
import { tryParseSelector } from '@alpsim/selector';
import type { Compat } from './compat';

export type SelectorDialect = 'modern' | '2018';

export function dialectFor(compat: Compat): SelectorDialect {
  return compat === '3.2' ? '2018' : 'modern';
}

type Labels = Readonly<Record<string, string>>;

/** Which label set a selector is applied to; each has its own memo slot. */
export const enum LabelSlot {
  SourcePeer = 0,
  DestinationPeer = 1,
  SourceNamespace = 2,
  DestinationNamespace = 3,
}

/** A parsed selector (or a parse failure) with memo slots for the current request. */
export class CachedSelector {
  private readonly gens = [-1, -1, -1, -1];
  private readonly results = [false, false, false, false];
  constructor(
    readonly text: string,
    readonly dialect: SelectorDialect,
    private readonly evaluateFn: ((labels: Labels) => boolean) | undefined,
  ) {}

  get parseable(): boolean {
    return this.evaluateFn !== undefined;
  }

  evaluate(labels: Labels, slot: LabelSlot, generation: number): boolean {
    if (this.gens[slot] === generation) return this.results[slot];
    const result = this.evaluateFn ? this.evaluateFn(labels) : false;
    this.gens[slot] = generation;
    this.results[slot] = result;
    return result;
  }
}

const cache = new Map<string, CachedSelector>();
const CACHE_LIMIT = 100_000;

/** The process-wide parsed form of a selector text in a dialect. */
export function cachedSelector(text: string, dialect: SelectorDialect): CachedSelector {
  const key = dialect + '\u0000' + text;
  let entry = cache.get(key);
  if (!entry) {
    let evaluateFn: ((labels: Labels) => boolean) | undefined;
    try {
      const parsed = tryParseSelector(text, { dialect });
      if (parsed) evaluateFn = (labels) => parsed.evaluate(labels);
    } catch {
      evaluateFn = undefined;
    }
    entry = new CachedSelector(text, dialect, evaluateFn);
    // Unbounded growth guard for long-lived processes fed with ever-new selector texts.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, entry);
  }
  return entry;
}

/** A selector text of a rule: both dialects resolved lazily and kept. */
export class SelectorRef {
  private modern: CachedSelector | undefined;
  private legacy: CachedSelector | undefined;
  constructor(readonly text: string) {}

  get(dialect: SelectorDialect): CachedSelector {
    if (dialect === '2018') return (this.legacy ??= cachedSelector(this.text, '2018'));
    return (this.modern ??= cachedSelector(this.text, 'modern'));
  }
}
