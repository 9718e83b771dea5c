/**
 * Recursive-descent parser with Calico's precedence: `!` binds tightest, then `&&`, then `||`.
 * Like libcalico-go it keeps no node for parentheses (so `(a) && (b)` renders `(a && b)`) but does not
 * merge a parenthesised chain into an enclosing chain of the same operator (`(a && b) && c` renders
 * `((a && b) && c)`), and collapses a run of `!` by parity.
 */
import { SelectorDialect, SelectorNode, SetOperator, ValueOperator, canonicalSet } from './ast';
import { Lexer, MAX_LABEL_LENGTH, Tok, Token, describeAt } from './lexer';

const VALUE_OPERATORS = new Map<Tok, ValueOperator>([
  [Tok.Eq, 'eq'],
  [Tok.Ne, 'ne'],
  [Tok.Contains, 'contains'],
  [Tok.StartsWith, 'startsWith'],
  [Tok.EndsWith, 'endsWith'],
]);

const SET_OPERATORS = new Map<Tok, SetOperator>([
  [Tok.In, 'in'],
  [Tok.NotIn, 'notIn'],
]);

/** Words that are operators only in the modern dialect; used to explain 2018 parse errors. */
const MODERN_ONLY_OPERATOR_WORDS = /^(contains|starts|ends|startswith|endswith)$/;

export function parseSelectorText(text: string, dialect: SelectorDialect): SelectorNode {
  return new Parser(new Lexer(text, dialect), dialect).parseRoot();
}

class Parser {
  private readonly operandExpectation: string;
  private readonly operatorExpectation: string;

  constructor(
    private readonly lexer: Lexer,
    private readonly dialect: SelectorDialect,
  ) {
    this.operandExpectation =
      dialect === '2018'
        ? 'a label, "has(", "all()", "(" or "!"'
        : 'a label, "has(", "all()", "global()", "(" or "!"';
    this.operatorExpectation =
      dialect === '2018'
        ? 'an operator (==, !=, in, not in)'
        : 'an operator (==, !=, in, not in, contains, starts with, ends with)';
  }

  parseRoot(): SelectorNode {
    if (this.lexer.peek().kind === Tok.EOF) return { kind: 'all' };
    const node = this.parseOr();
    const after = this.lexer.peek();
    if (after.kind !== Tok.EOF) this.unexpected(after, '"&&", "||" or end of input');
    return node;
  }

  private parseOr(): SelectorNode {
    const first = this.parseAnd();
    if (this.lexer.peek().kind !== Tok.Or) return first;
    const operands = [first];
    while (this.lexer.peek().kind === Tok.Or) {
      this.lexer.next();
      operands.push(this.parseAnd());
    }
    return { kind: 'or', operands };
  }

  private parseAnd(): SelectorNode {
    const first = this.parseUnary();
    if (this.lexer.peek().kind !== Tok.And) return first;
    const operands = [first];
    while (this.lexer.peek().kind === Tok.And) {
      this.lexer.next();
      operands.push(this.parseUnary());
    }
    return { kind: 'and', operands };
  }

  private parseUnary(): SelectorNode {
    let negated = false;
    while (this.lexer.peek().kind === Tok.Not) {
      this.lexer.next();
      negated = !negated;
    }
    const operand = this.parsePrimary();
    return negated ? { kind: 'not', operand } : operand;
  }

  private parsePrimary(): SelectorNode {
    const token = this.lexer.next();
    switch (token.kind) {
      case Tok.Has:
        return { kind: 'has', label: token.value };
      case Tok.All:
        return { kind: 'all' };
      case Tok.Global:
        return { kind: 'global' };
      case Tok.LParen: {
        const inner = this.parseOr();
        const close = this.lexer.next();
        if (close.kind !== Tok.RParen) this.unexpected(close, '"&&", "||" or ")"');
        return inner;
      }
      case Tok.Label:
        return this.parseLabelExpression(token);
      default:
        if (this.dialect === '2018' && (token.kind === Tok.In || token.kind === Tok.NotIn)) {
          this.unexpected(token, `${this.operandExpectation} (a label named "in"/"not in" needs the modern dialect)`);
        }
        return this.unexpected(token, this.operandExpectation);
    }
  }

  private parseLabelExpression(label: Token): SelectorNode {
    const operator = this.lexer.next();
    const valueOperator = VALUE_OPERATORS.get(operator.kind);
    if (valueOperator !== undefined) {
      const value = this.lexer.next();
      if (value.kind !== Tok.String) this.unexpected(value, 'a quoted string');
      return { kind: valueOperator, label: label.value, value: value.value };
    }
    const setOperator = SET_OPERATORS.get(operator.kind);
    if (setOperator !== undefined) {
      const open = this.lexer.next();
      if (open.kind !== Tok.LBrace) this.unexpected(open, '"{"');
      return { kind: setOperator, label: label.value, values: canonicalSet(this.parseSetBody()) };
    }
    return this.explainMissingOperator(label, operator);
  }

  /** After `{`: zero or more strings separated by commas, optional trailing comma, then `}`. */
  private parseSetBody(): string[] {
    const values: string[] = [];
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === Tok.RBrace) return values;
      if (token.kind !== Tok.String) this.unexpected(token, 'a quoted string or "}"');
      values.push(token.value);
      const separator = this.lexer.next();
      if (separator.kind === Tok.RBrace) return values;
      if (separator.kind !== Tok.Comma) this.unexpected(separator, '"," or "}"');
    }
  }

  private explainMissingOperator(label: Token, operator: Token): never {
    if (operator.kind === Tok.LParen && operator.start > label.end && /^(has|all|global)$/.test(label.value)) {
      this.unexpected(operator, `${this.operatorExpectation} (no space is allowed between "${label.value}" and "(")`);
    }
    if (this.dialect === '2018') {
      if (operator.kind === Tok.Label && operator.start === label.end && label.end - label.start === MAX_LABEL_LENGTH) {
        this.lexer.fail(`label longer than ${MAX_LABEL_LENGTH} characters`, label.start, `a label of 1 to ${MAX_LABEL_LENGTH} characters`);
      }
      if (operator.kind === Tok.Label && MODERN_ONLY_OPERATOR_WORDS.test(operator.value)) {
        this.unexpected(operator, `${this.operatorExpectation} (contains/starts with/ends with need the modern dialect, Calico v3.6+)`);
      }
      if (operator.kind === Tok.LParen && label.value === 'global') {
        this.lexer.fail('unexpected "global("', label.start, `${this.operandExpectation} (global() needs the modern dialect, Calico v3.15+)`);
      }
    }
    return this.unexpected(operator, this.operatorExpectation);
  }

  private unexpected(token: Token, expected: string): never {
    const text = this.lexer.text;
    const problem =
      token.kind === Tok.EOF
        ? 'unexpected end of input'
        : token.kind === Tok.Invalid
          ? describeAt(text, token.start)
          : `unexpected ${JSON.stringify(text.slice(token.start, token.end))}`;
    return this.lexer.fail(problem, token.start, expected);
  }
}
