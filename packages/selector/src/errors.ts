/** A selector that does not parse. `userError` makes the CLI print it without a stack trace. */
export class SelectorParseError extends Error {
  readonly userError = true;
  /** 1-based column (UTF-16 code unit index + 1) of the offending character; text length + 1 at end of input. */
  readonly column: number;
  readonly selector: string;
  /** What went wrong, e.g. `unexpected "b"`. */
  readonly problem: string;
  /** What the parser would have accepted there, if known. */
  readonly expected: string | undefined;

  constructor(selector: string, problem: string, column: number, expected?: string) {
    super(
      `selector ${JSON.stringify(selector)}: ${problem} at column ${column}` + (expected ? `, expected ${expected}` : ''),
    );
    this.name = 'SelectorParseError';
    this.selector = selector;
    this.problem = problem;
    this.column = column;
    this.expected = expected;
  }
}
