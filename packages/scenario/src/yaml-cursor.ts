import { isMap, isScalar, isSeq, LineCounter, type Node as YamlNode, type Pair } from 'yaml';
import type { ProblemList, SourcePos } from './errors';

/**
 * A position-aware view of one YAML node: every accessor reports mistakes as
 * `file:line:col: <field.path>: <expected>` into a shared problem list instead of throwing,
 * so a user sees every problem in a file at once.
 */
export class Cursor {
  constructor(
    readonly file: string,
    readonly lines: LineCounter,
    readonly problems: ProblemList,
    readonly node: YamlNode | null | undefined,
    readonly path: string,
    private readonly fallbackOffset = 0,
    /** The whole file's text (for inline resources). */
    readonly source = '',
  ) {}

  get pos(): SourcePos {
    const offset = this.node?.range?.[0] ?? this.fallbackOffset;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  get present(): boolean {
    return this.node !== undefined && this.node !== null && !(isScalar(this.node) && this.node.value === null);
  }

  fail(message: string): undefined {
    this.problems.add(this.pos, this.path, message);
    return undefined;
  }

  private child(node: YamlNode | null | undefined, segment: string): Cursor {
    const path = segment.startsWith('[') ? `${this.path}${segment}` : this.path ? `${this.path}.${segment}` : segment;
    return new Cursor(this.file, this.lines, this.problems, node, path, this.node?.range?.[0] ?? this.fallbackOffset, this.source);
  }

  isMap(): boolean {
    return isMap(this.node);
  }
  isSeq(): boolean {
    return isSeq(this.node);
  }
  isScalar(): boolean {
    return isScalar(this.node);
  }

  /** The map's keys, or a problem if this is not a map. */
  keys(): string[] {
    if (!isMap(this.node)) return [];
    return this.node.items.map((pair) => String((pair as Pair<YamlNode>).key && isScalar(pair.key) ? pair.key.value : pair.key));
  }

  field(name: string): Cursor {
    let value: YamlNode | null | undefined;
    if (isMap(this.node)) {
      const pair = this.node.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
      value = pair ? (pair.value as YamlNode | null) : undefined;
    }
    return this.child(value, name);
  }

  /** Report keys not in `allowed` (typos are the commonest scenario mistake). */
  onlyKeys(allowed: readonly string[]): void {
    if (!isMap(this.node)) return;
    for (const pair of this.node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!allowed.includes(key)) {
        this.child(pair.key as YamlNode, key).fail(`unknown field; expected one of ${allowed.join(', ')}`);
      }
    }
  }

  requireMap(what = 'a mapping'): boolean {
    if (isMap(this.node)) return true;
    this.fail(this.present ? `expected ${what}` : `required: expected ${what}`);
    return false;
  }

  items(): Cursor[] {
    if (!isSeq(this.node)) return [];
    return this.node.items.map((item, index) => this.child(item as YamlNode, `[${index}]`));
  }

  /** Items of a sequence; a single value is accepted as a one-element list when `single` is set. */
  list(what: string, opts: { required?: boolean; single?: boolean } = {}): Cursor[] {
    if (!this.present) {
      if (opts.required) this.fail(`required: expected a list of ${what}`);
      return [];
    }
    if (isSeq(this.node)) return this.items();
    if (opts.single) return [this];
    this.fail(`expected a list of ${what}`);
    return [];
  }

  /**
   * The node's source text, prefixed with newlines and spaces so a parser that reads it alone
   * reports the same line and column numbers as in the whole file.
   */
  paddedSource(text: string): string {
    const range = this.node?.range;
    if (!range) return '';
    const { line, col } = this.lines.linePos(range[0]);
    return '\n'.repeat(line - 1) + ' '.repeat(col - 1) + text.slice(range[0], range[1]);
  }

  /** The raw JS value of the node (for inline resources and label maps). */
  toJS(): unknown {
    if (!this.node) return undefined;
    return (this.node as YamlNode).toJSON();
  }

  string(opts: { required?: boolean; pattern?: RegExp; expected?: string } = {}): string | undefined {
    const expected = opts.expected ?? 'a string';
    if (!this.present) return opts.required ? this.fail(`required: expected ${expected}`) : undefined;
    if (!isScalar(this.node) || (typeof this.node.value !== 'string' && typeof this.node.value !== 'number')) {
      return this.fail(`expected ${expected}`);
    }
    const text = String(this.node.value);
    if (opts.pattern && !opts.pattern.test(text)) return this.fail(`expected ${expected}, got ${JSON.stringify(text)}`);
    return text;
  }

  oneOf<T extends string>(values: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const expected = `one of ${values.join(' | ')}`;
    const text = this.string({ required: opts.required, expected });
    if (text === undefined) return undefined;
    if (!(values as readonly string[]).includes(text)) return this.fail(`expected ${expected}, got ${JSON.stringify(text)}`);
    return text as T;
  }

  integer(min: number, max: number, opts: { required?: boolean } = {}): number | undefined {
    const expected = `an integer ${min}..${max}`;
    if (!this.present) return opts.required ? this.fail(`required: expected ${expected}`) : undefined;
    const value = isScalar(this.node) ? this.node.value : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(`expected ${expected}`);
    }
    return value;
  }

  boolean(): boolean | undefined {
    if (!this.present) return undefined;
    const value = isScalar(this.node) ? this.node.value : undefined;
    if (typeof value !== 'boolean') return this.fail('expected true or false');
    return value;
  }

  /** A map of string → string (labels, headers). */
  stringMap(what: string): Record<string, string> {
    const out: Record<string, string> = {};
    if (!this.present) return out;
    if (!isMap(this.node)) {
      this.fail(`expected a mapping of ${what}`);
      return out;
    }
    for (const key of this.keys()) {
      const value = this.field(key).string({ required: true, expected: 'a string value' });
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}
