import t from 'tap';
import { parseSelector, tryParseSelector, SelectorParseError, SelectorDialect } from '../src/index';

const canon = (text: string, dialect: SelectorDialect = 'modern') => parseSelector(text, { dialect }).canonical;

/** Returns the thrown SelectorParseError (fails the test if none). */
function parseError(text: string, dialect: SelectorDialect = 'modern'): SelectorParseError {
  try {
    parseSelector(text, { dialect });
  } catch (err) {
    if (err instanceof SelectorParseError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} (${dialect}) to fail to parse`);
}

t.test('golden canonical forms from the spec (both dialects)', async (t) => {
  const golden: Array<[string, string]> = [
    ['! (has( b)||! has(a ))', '!(has(b) || !has(a))'],
    ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")'],
    [`a!='"'`, `a != '"'`],
    ['a in {"z", "z", "x", "y", "x", "a"}', 'a in {"a", "x", "y", "z"}'],
    ['', 'all()'],
    [' all() ', 'all()'],
    [' (all() )', 'all()'],
    ['\t', 'all()'],
    ['(pcsa.foo == "bar") && (all())', '(pcsa.foo == "bar" && all())'],
    ["projectcalico.org/namespace == 'ns1'", 'projectcalico.org/namespace == "ns1"'],
    ["(projectcalico.org/namespace == 'ns1') && (app == 'web')", '(projectcalico.org/namespace == "ns1" && app == "web")'],
    ['pcns.env == "prod"', 'pcns.env == "prod"'],
    ['has(projectcalico.org/namespace)', 'has(projectcalico.org/namespace)'],
    [
      `(!has(pcns.key) || (has(pcns.key) && !pcns.key in {'value'}))`,
      '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))',
    ],
  ];
  for (const dialect of ['modern', '2018'] as const) {
    for (const [input, expected] of golden) t.equal(canon(input, dialect), expected, `${dialect}: ${input}`);
  }
});

t.test('modern-only golden forms', async (t) => {
  t.equal(canon(`a startswith '"'`), `a starts with '"'`);
  t.equal(canon(`a starts   with "x"`), 'a starts with "x"');
  t.equal(canon(`a endswith 'x'`), 'a ends with "x"');
  t.equal(canon(`a ends\twith 'x'`), 'a ends with "x"');
  t.equal(canon(`a contains 'x'`), 'a contains "x"');
  t.equal(canon(`a contains''`), 'a contains ""');
  t.equal(canon(' global( ) '), 'global()');
  t.equal(canon('!global()'), '!global()');
});

t.test('parentheses: no node of their own, no merging of nested chains', async (t) => {
  t.equal(canon('a == "1" && b == "2" && c == "3"'), '(a == "1" && b == "2" && c == "3")');
  t.equal(canon('(a == "1" && b == "2") && c == "3"'), '((a == "1" && b == "2") && c == "3")');
  t.equal(canon('a == "1" && (b == "2" && c == "3")'), '(a == "1" && (b == "2" && c == "3"))');
  t.equal(canon('((((has(a)))))'), 'has(a)');
  t.equal(canon('(has(a)) || (has(b) || has(c))'), '(has(a) || (has(b) || has(c)))');
  // The 2018 rule-selector combination: (ns) && ((sa sel) && (sa names)) keeps the inner group.
  t.equal(
    canon(`(pcns.nskey == "nsvalue") && ((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"}))`),
    '(pcns.nskey == "nsvalue" && (pcsa.key == "value2" && projectcalico.org/serviceaccount in {"sa3"}))',
  );
});

t.test('precedence: ! binds tighter than &&, && tighter than ||', async (t) => {
  t.equal(canon('has(a) || has(b) && has(c)'), '(has(a) || (has(b) && has(c)))');
  t.equal(canon('has(a) && has(b) || has(c)'), '((has(a) && has(b)) || has(c))');
  t.equal(canon('!has(a) && has(b)'), '(!has(a) && has(b))');
  t.equal(canon('!a == "b"'), '!a == "b"');
  t.equal(canon('!(has(a) || has(b))'), '!(has(a) || has(b))');
  const sel = parseSelector('has(a) || has(b) && has(c)');
  t.equal(sel.evaluate({ a: '' }), true, 'a alone satisfies the || side');
  t.equal(sel.evaluate({ b: '' }), false, 'b without c does not');
  t.equal(sel.evaluate({ b: '', c: '' }), true);
  t.equal(parseSelector('!has(a) && has(b)').evaluate({ b: '' }), true);
  t.equal(parseSelector('!has(a) && has(b)').evaluate({ a: '', b: '' }), false);
});

t.test('runs of ! collapse by parity', async (t) => {
  t.equal(canon('!!has(x)'), 'has(x)');
  t.equal(canon('!!!has(x)'), '!has(x)');
  t.equal(canon('! ! ! ! a == "b"'), 'a == "b"');
  t.equal(canon('!!has(x)', '2018'), 'has(x)');
  t.equal(canon('!(!has(x))'), '!!has(x)', 'a parenthesised ! is a separate node');
});

t.test('quoting', async (t) => {
  t.equal(canon(`a == 'b'`), 'a == "b"', 'single quotes become double');
  t.equal(canon(`a == "it's"`), `a == "it's"`);
  t.equal(canon(`a == 'say "hi"'`), `a == 'say "hi"'`, 'a value containing " keeps single quotes');
  t.equal(canon(`a in {'"x"', 'y', "z'"}`), `a in {'"x"', "y", "z'"}`, 'per-element quoting in sets');
  t.equal(canon('a == ""'), 'a == ""');
  t.equal(canon('a == "  spaced  "'), 'a == "  spaced  "', 'inner whitespace preserved');
  t.equal(canon('a == "x\\y"'), 'a == "x\\y"', 'no escape processing');
  t.equal(canon('a == "line\nbreak"'), 'a == "line\nbreak"', 'a newline inside a string literal is content');
  t.equal(parseSelector('a == "x\\y"').evaluate({ a: 'x\\y' }), true);
});

t.test('sets: sorted by code point, de-duplicated, trailing comma, empty', async (t) => {
  t.equal(canon('a in {"b","a","b",}'), 'a in {"a", "b"}');
  t.equal(canon('a not in {"b", "a"}'), 'a not in {"a", "b"}');
  t.equal(canon('a notin{"x"}'), 'a not in {"x"}');
  t.equal(canon('a not  in {"x"}'), 'a not in {"x"}');
  t.equal(canon('a in {}'), 'a in {}');
  t.equal(canon('a not in { }'), 'a not in {}');
  t.equal(canon('a in {"B", "a", "_", "10", "9"}'), 'a in {"10", "9", "B", "_", "a"}', 'byte order, not locale');
  // U+FF5E (3 UTF-8 bytes) sorts before U+1F600 (4 bytes) in Go; UTF-16 code-unit order would invert them.
  t.equal(canon('a in {"\u{1F600}", "\uFF5E"}'), 'a in {"\uFF5E", "\u{1F600}"}');
  parseError('a in {,}');
  parseError('a in {"x",,}');
  parseError('a in {"x" "y"}');
  parseError('a in "x"');
  parseError('a in {"x"');
});

t.test('labels: charset, length, keyword-like names', async (t) => {
  t.equal(canon('projectcalico.org/name-x_1 == "v"'), 'projectcalico.org/name-x_1 == "v"');
  t.equal(canon('has(-./_)'), 'has(-./_)');
  t.equal(canon('all == "x"'), 'all == "x"');
  t.equal(canon('has == "x"'), 'has == "x"');
  t.equal(canon('not == "x"'), 'not == "x"');
  t.equal(canon('global == "x"'), 'global == "x"');
  t.equal(canon('contains contains "x"'), 'contains contains "x"');
  t.equal(canon('not == "x"', '2018'), 'not == "x"');
  t.equal(canon('contains == "x"', '2018'), 'contains == "x"');
  t.equal(canon('global == "x"', '2018'), 'global == "x"');
  t.equal(canon('inx == "x"', '2018'), 'inx == "x"', '`in` needs a word boundary');
  const max = 'k'.repeat(512);
  t.equal(canon(`${max} == "v"`), `${max} == "v"`);
  t.equal(canon(`has(${max})`), `has(${max})`);
  t.equal(canon(`${max} == "v"`, '2018'), `${max} == "v"`);
  const tooLong = 'k'.repeat(513);
  for (const dialect of ['modern', '2018'] as const) {
    t.match(parseError(`${tooLong} == "v"`, dialect).message, /longer than 512/, dialect);
    parseError(`has(${tooLong})`, dialect);
  }
});

t.test('whitespace: spaces and tabs only; none between has/all/global and (', async (t) => {
  t.equal(canon('\ta\t==\t"b"\t'), 'a == "b"');
  t.equal(canon('a=="b"&&b!="c"||has(d)'), '((a == "b" && b != "c") || has(d))');
  t.equal(canon('has(\t a \t)'), 'has(a)');
  t.equal(canon('all( \t)'), 'all()');
  for (const dialect of ['modern', '2018'] as const) {
    t.equal(parseError('has (a)', dialect).column, 5, `${dialect} has (`);
    t.equal(parseError('all ()', dialect).column, 5, `${dialect} all (`);
    t.equal(parseError('a == "b"\n', dialect).column, 9, `${dialect} trailing newline`);
    t.equal(parseError('a ==\n"b"', dialect).column, 5, `${dialect} newline between tokens`);
    t.equal(parseError('\r\nhas(a)', dialect).column, 1, `${dialect} CR`);
  }
  t.match(parseError('has (a)').message, /no space is allowed between "has" and "\("/);
  t.equal(parseError('global ()').column, 8);
  // The 2018 tokenizer used Go's \s inside has( ) / all( ) and between not and in.
  t.equal(canon('has(\na\n)', '2018'), 'has(a)');
  t.equal(canon('a not\nin {}', '2018'), 'a not in {}');
  parseError('has(\na)', 'modern');
});

t.test('tryParseSelector returns undefined instead of throwing', async (t) => {
  t.equal(tryParseSelector('a == b'), undefined);
  t.equal(tryParseSelector('a contains "x"', { dialect: '2018' }), undefined);
  t.equal(tryParseSelector('a contains "x"')?.canonical, 'a contains "x"');
  t.throws(() => parseSelector('x', { dialect: 'v9' as SelectorDialect }), /unknown selector dialect/);
});

t.test('parse results are cached per dialect and immutable', async (t) => {
  t.equal(parseSelector('has(a)'), parseSelector('has(a)'));
  t.not(parseSelector('has(a)'), parseSelector('has(a)', { dialect: '2018' }));
  t.equal(parseSelector('has(a)', { dialect: '2018' }).dialect, '2018');
  t.equal(String(parseSelector(" a == 'x' ")), 'a == "x"');
  t.equal(JSON.stringify({ s: parseSelector('has(a)') }), '{"s":"has(a)"}');
});
