/** The public Selector object: parsed once, canonical string cached, evaluation precompiled. */
import { SelectorDialect, SelectorNode, mapNodeLabels, normalizeSelectorNode, renderSelector } from './ast';
import { Labels, Matcher, compileSelector } from './compile';
import { SelectorParseError } from './errors';
import { parseSelectorText } from './parser';

export interface ParseOptions {
  /** 'modern' (default; Calico v3.15+ grammar) or '2018' (libcalico-go v3.3 as used by Dikastes v3.2/v3.3). */
  dialect?: SelectorDialect;
}

export class Selector {
  /** Exactly what libcalico-go's `String()` returns; IP-set IDs hash this. */
  readonly canonical: string;
  /** Match against a label map (values must be strings). No allocation per call. */
  readonly evaluate: (labels: Labels) => boolean;

  /** Prefer parseSelector() or selectorFromAst(); `ast` must already be normalised (sorted sets etc.). */
  constructor(
    readonly ast: SelectorNode,
    readonly dialect: SelectorDialect = 'modern',
  ) {
    this.canonical = renderSelector(ast);
    const matcher: Matcher = compileSelector(ast);
    this.evaluate = matcher;
  }

  /** A new selector with every label key renamed (e.g. `k => 'pcns.' + k`), like Calico's PrefixVisitor. */
  mapLabels(rename: (key: string) => string): Selector {
    return new Selector(mapNodeLabels(this.ast, rename), this.dialect);
  }

  toString(): string {
    return this.canonical;
  }

  toJSON(): string {
    return this.canonical;
  }
}

/** Parsed selectors are immutable, so identical texts share one object (bounded, cleared when full). */
const CACHE_LIMIT = 10_000;
const caches: Record<SelectorDialect, Map<string, Selector>> = { modern: new Map(), '2018': new Map() };

/** Parses a Calico selector; throws SelectorParseError (userError, 1-based column) on bad syntax. */
export function parseSelector(text: string, options: ParseOptions = {}): Selector {
  const dialect = options.dialect ?? 'modern';
  if (dialect !== 'modern' && dialect !== '2018') {
    throw Object.assign(new Error(`unknown selector dialect ${JSON.stringify(dialect)}, expected "modern" or "2018"`), {
      userError: true,
    });
  }
  if (typeof text !== 'string') {
    throw new SelectorParseError(String(text), `selector must be a string, not ${typeof text}`, 1);
  }
  const cache = caches[dialect];
  const cached = cache.get(text);
  if (cached) return cached;
  const selector = new Selector(parseSelectorText(text, dialect), dialect);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, selector);
  return selector;
}

/** Like parseSelector but returns undefined instead of throwing on a parse error (Dikastes: "never matches"). */
export function tryParseSelector(text: string, options: ParseOptions = {}): Selector | undefined {
  try {
    return parseSelector(text, options);
  } catch (err) {
    if (err instanceof SelectorParseError) return undefined;
    throw err;
  }
}

/** Builds a Selector from a hand-assembled tree (normalised first, so `canonical` is what Calico would print). */
export function selectorFromAst(ast: SelectorNode, dialect: SelectorDialect = 'modern'): Selector {
  return new Selector(normalizeSelectorNode(ast), dialect);
}
