/**
 * On-demand tokenizers for the two selector dialects. Both skip only spaces and tabs (a newline is an
 * invalid character), and both take string literals verbatim up to the next matching quote (no escapes).
 *
 * - '2018' (libcalico-go v3.3): context-free; `has(`, `not in`, `in`, `all(` are recognised *before*
 *   labels wherever they appear (so a label literally named `in` cannot be used), with Go's `\s`
 *   (space, tab, CR, LF, FF) allowed inside `has( … )`, `all( )` and between `not` and `in`.
 * - 'modern' (2019+ tokenizer): operator words (`in`, `not in`, `contains`, `starts with`, `ends with`)
 *   are recognised only right after a label, as plain prefixes; `has(`, `all(`, `global(` elsewhere.
 */
import { SelectorDialect } from './ast';
import { SelectorParseError } from './errors';

export const enum Tok {
  Label,
  String,
  LBrace,
  RBrace,
  Comma,
  Eq,
  Ne,
  Not,
  In,
  NotIn,
  Contains,
  StartsWith,
  EndsWith,
  Has,
  All,
  Global,
  LParen,
  RParen,
  And,
  Or,
  /** A character no token starts with; the parser reports it with what it expected there. */
  Invalid,
  EOF,
}

export interface Token {
  kind: Tok;
  /** Offset of the first character in the selector text. */
  start: number;
  /** Offset just past the token. */
  end: number;
  /** Label name (Label, Has) or literal contents (String). */
  value: string;
}

export const MAX_LABEL_LENGTH = 512;

const LABEL_CHAR = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-') LABEL_CHAR[c.charCodeAt(0)] = 1;

function isLabelChar(code: number): boolean {
  return code < 128 && LABEL_CHAR[code] === 1;
}

// 2018 regexes; [\t\n\f\r ] is Go's `\s`, and `\b` is the ASCII word boundary in both Go and JS.
// Sticky (`y`) so they match exactly at lastIndex without slicing the text.
const HAS_2018 = /has\([\t\n\f\r ]*([a-zA-Z0-9_./-]{1,512})[\t\n\f\r ]*\)/y;
const NOT_IN_2018 = /not[\t\n\f\r ]*in\b/y;
const IN_2018 = /in\b/y;
const ALL_2018 = /all\([\t\n\f\r ]*\)/y;

function matchAt(re: RegExp, text: string, offset: number): RegExpExecArray | null {
  re.lastIndex = offset;
  return re.exec(text);
}

export class Lexer {
  private pos = 0;
  private lastKind: Tok | undefined;
  private lookahead: Token | undefined;

  constructor(
    readonly text: string,
    readonly dialect: SelectorDialect,
  ) {}

  peek(): Token {
    if (this.lookahead === undefined) this.lookahead = this.scan();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  fail(problem: string, offset: number, expected?: string): never {
    throw new SelectorParseError(this.text, problem, offset + 1, expected);
  }

  private skipBlanks(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09) break;
      this.pos++;
    }
  }

  private emit(kind: Tok, start: number, end: number, value = ''): Token {
    this.pos = end;
    this.lastKind = kind;
    return { kind, start, end, value };
  }

  private scan(): Token {
    this.skipBlanks();
    const text = this.text;
    const start = this.pos;
    if (start >= text.length) return { kind: Tok.EOF, start, end: start, value: '' };
    const c = text[start];
    switch (c) {
      case '(':
        return this.emit(Tok.LParen, start, start + 1);
      case ')':
        return this.emit(Tok.RParen, start, start + 1);
      case '{':
        return this.emit(Tok.LBrace, start, start + 1);
      case '}':
        return this.emit(Tok.RBrace, start, start + 1);
      case ',':
        return this.emit(Tok.Comma, start, start + 1);
      case '"':
      case "'": {
        const close = text.indexOf(c, start + 1);
        if (close < 0) this.fail('unterminated string', start, `a closing ${c}`);
        return this.emit(Tok.String, start, close + 1, text.slice(start + 1, close));
      }
      case '=':
        if (text[start + 1] === '=') return this.emit(Tok.Eq, start, start + 2);
        return this.fail('unexpected "="', start, '"==" (a single "=" is not an operator)');
      case '!':
        if (text[start + 1] === '=') return this.emit(Tok.Ne, start, start + 2);
        return this.emit(Tok.Not, start, start + 1);
      case '&':
        if (text[start + 1] === '&') return this.emit(Tok.And, start, start + 2);
        return this.fail('unexpected "&"', start, '"&&"');
      case '|':
        if (text[start + 1] === '|') return this.emit(Tok.Or, start, start + 2);
        return this.fail('unexpected "|"', start, '"||"');
    }
    return this.dialect === '2018' ? this.scanWord2018(start) : this.scanWordModern(start);
  }

  private scanWord2018(start: number): Token {
    const text = this.text;
    let m: RegExpExecArray | null;
    if ((m = matchAt(HAS_2018, text, start))) return this.emit(Tok.Has, start, start + m[0].length, m[1]);
    if ((m = matchAt(NOT_IN_2018, text, start))) return this.emit(Tok.NotIn, start, start + m[0].length);
    if ((m = matchAt(IN_2018, text, start))) return this.emit(Tok.In, start, start + m[0].length);
    if ((m = matchAt(ALL_2018, text, start))) return this.emit(Tok.All, start, start + m[0].length);
    // The v3.3 tokenizer takes at most 512 label characters; any remainder becomes the next token.
    const end = this.labelEnd(start, MAX_LABEL_LENGTH);
    if (end > start) return this.emit(Tok.Label, start, end, this.text.slice(start, end));
    return this.emit(Tok.Invalid, start, start + 1, this.text[start]);
  }

  private scanWordModern(start: number): Token {
    const text = this.text;
    if (this.lastKind === Tok.Label) return this.scanOperatorWord(start);
    if (text.startsWith('has(', start)) {
      this.pos = start + 4;
      this.skipBlanks();
      const labelStart = this.pos;
      const labelEnd = this.labelEnd(labelStart, Infinity);
      if (labelEnd === labelStart) this.failAt(labelStart, 'a label name inside has(…)');
      this.checkLabelLength(labelStart, labelEnd);
      this.pos = labelEnd;
      this.skipBlanks();
      if (text[this.pos] !== ')') this.failAt(this.pos, '")" to close has(');
      return this.emit(Tok.Has, start, this.pos + 1, text.slice(labelStart, labelEnd));
    }
    if (text.startsWith('all(', start)) return this.scanEmptyCall(start, 4, Tok.All, 'all(');
    if (text.startsWith('global(', start)) return this.scanEmptyCall(start, 7, Tok.Global, 'global(');
    const end = this.labelEnd(start, Infinity);
    if (end > start) {
      this.checkLabelLength(start, end);
      return this.emit(Tok.Label, start, end, text.slice(start, end));
    }
    return this.emit(Tok.Invalid, start, start + 1, text[start]);
  }

  /** After a label only an operator may follow (the punctuation ones were handled in scan()). */
  private scanOperatorWord(start: number): Token {
    const text = this.text;
    const expected = 'an operator (==, !=, in, not in, contains, starts with, ends with)';
    if (text.startsWith('contains', start)) return this.emit(Tok.Contains, start, start + 8);
    const twoWords = (first: string, second: string, kind: Tok): Token => {
      this.pos = start + first.length;
      this.skipBlanks();
      if (!text.startsWith(second, this.pos)) this.failAt(this.pos, `"${second}" after "${first}"`);
      return this.emit(kind, start, this.pos + second.length);
    };
    if (text.startsWith('starts', start)) return twoWords('starts', 'with', Tok.StartsWith);
    if (text.startsWith('ends', start)) return twoWords('ends', 'with', Tok.EndsWith);
    if (text.startsWith('not', start)) return twoWords('not', 'in', Tok.NotIn);
    if (text.startsWith('in', start)) return this.emit(Tok.In, start, start + 2);
    return this.failAt(start, expected);
  }

  private scanEmptyCall(start: number, length: number, kind: Tok, name: string): Token {
    this.pos = start + length;
    this.skipBlanks();
    if (this.text[this.pos] !== ')') this.failAt(this.pos, `")" to close ${name}`);
    return this.emit(kind, start, this.pos + 1);
  }

  private labelEnd(start: number, max: number): number {
    const text = this.text;
    let end = start;
    while (end < text.length && end - start < max && isLabelChar(text.charCodeAt(end))) end++;
    return end;
  }

  private checkLabelLength(start: number, end: number): void {
    if (end - start > MAX_LABEL_LENGTH) {
      this.fail(`label longer than ${MAX_LABEL_LENGTH} characters`, start, `a label of 1 to ${MAX_LABEL_LENGTH} characters`);
    }
  }

  /** Reports whatever sits at `offset` (a word, a character or the end) as unexpected. */
  failAt(offset: number, expected: string): never {
    return this.fail(describeAt(this.text, offset), offset, expected);
  }
}

/** `unexpected "word"` for the label-ish run or single character at offset, or `unexpected end of input`. */
export function describeAt(text: string, offset: number): string {
  if (offset >= text.length) return 'unexpected end of input';
  let end = offset;
  while (end < text.length && isLabelChar(text.charCodeAt(end)) && end - offset < 40) end++;
  if (end === offset) end = offset + (text.codePointAt(offset)! > 0xffff ? 2 : 1);
  return `unexpected ${JSON.stringify(text.slice(offset, end))}`;
}
