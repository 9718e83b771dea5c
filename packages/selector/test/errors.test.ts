import t from 'tap';
import { parseSelector, SelectorParseError, SelectorDialect } from '../src/index';

function parseError(text: string, dialect: SelectorDialect = 'modern'): SelectorParseError {
  try {
    parseSelector(text, { dialect });
  } catch (err) {
    if (err instanceof SelectorParseError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} (${dialect}) to fail to parse`);
}

t.test('error shape: userError, 1-based column, message naming the selector', async (t) => {
  const err = parseError('a == b');
  t.ok(err instanceof Error);
  t.equal(err.userError, true);
  t.equal(err.column, 6);
  t.equal(err.selector, 'a == b');
  t.equal(err.message, 'selector "a == b": unexpected "b" at column 6, expected a quoted string');
  t.equal(err.name, 'SelectorParseError');
});

t.test('columns and messages for each kind of mistake (both dialects)', async (t) => {
  // [text, column, message fragment]
  const cases: Array<[string, number, RegExp]> = [
    ['a = "b"', 3, /unexpected "=" at column 3, expected "=="/],
    ['a == "b" & has(c)', 10, /unexpected "&" at column 10, expected "&&"/],
    ['a == "b" | has(c)', 10, /expected "\|\|"/],
    ['b == b', 6, /expected a quoted string/],
    ["'b1' == b", 1, /unexpected "'b1'" at column 1, expected a label/],
    ['a', 2, /unexpected end of input at column 2, expected an operator/],
    ['a b', 3, /unexpected "b" at column 3, expected an operator/],
    ['a == "b" &&', 12, /unexpected end of input at column 12, expected a label/],
    ['a == "b" ||', 12, /unexpected end of input/],
    ['(a == "b"', 10, /expected "&&", "\|\|" or "\)"/],
    ['a == "b")', 9, /unexpected "\)" at column 9, expected "&&", "\|\|" or end of input/],
    ['()', 2, /unexpected "\)" at column 2, expected a label/],
    ['!', 2, /unexpected end of input at column 2/],
    ['a == "b" has(c)', 10, /unexpected "has\(c\)" at column 10, expected "&&"/],
    ['a == "unterminated', 6, /unterminated string at column 6, expected a closing "/],
    ["a == 'x", 6, /expected a closing '/],
    ['a in {"x"', 10, /unexpected end of input at column 10, expected "," or "}"/],
    ['a in ("x")', 6, /expected "{"/],
    ['a == "x" && ü == "y"', 13, /unexpected "ü" at column 13/],
    ['a == "x"\nb', 9, /unexpected "\\n" at column 9/],
    ['envnotin{"x"}', 9, /unexpected "{" at column 9, expected an operator/],
    ['a ==', 5, /unexpected end of input at column 5, expected a quoted string/],
    ['!!', 3, /unexpected end of input at column 3/],
  ];
  for (const dialect of ['modern', '2018'] as const) {
    for (const [text, column, fragment] of cases) {
      const err = parseError(text, dialect);
      t.equal(err.column, column, `${dialect} ${JSON.stringify(text)} column`);
      t.match(err.message, fragment, `${dialect} ${JSON.stringify(text)} message`);
    }
  }
});

t.test('modern-only errors', async (t) => {
  t.match(parseError('has(').message, /unexpected end of input at column 5, expected a label name inside has/);
  t.match(parseError('has(a b)').message, /unexpected "b" at column 7, expected "\)" to close has\(/);
  t.match(parseError('all(x)').message, /column 5, expected "\)" to close all\(/);
  t.match(parseError('global(x)').message, /column 8/);
  t.match(parseError('a starts "x"').message, /unexpected "\\"" at column 10, expected "with" after "starts"/);
  t.match(parseError('a ends with').message, /column 12, expected a quoted string/);
  t.match(parseError('a not "x"').message, /expected "in" after "not"/);
  t.match(parseError('a isnt "x"').message, /unexpected "isnt" at column 3, expected an operator/);
});

t.test('errors never leak a stack-worthy type: non-string input', async (t) => {
  t.throws(() => parseSelector(undefined as unknown as string), SelectorParseError);
});
