import t from 'tap';
import { parseSelector, tryParseSelector, SelectorParseError } from '../src/index';

const modern = (text: string) => tryParseSelector(text, { dialect: 'modern' })?.canonical;
const v2018 = (text: string) => tryParseSelector(text, { dialect: '2018' })?.canonical;

t.test('default dialect is modern', async (t) => {
  t.equal(parseSelector('a contains "x"').dialect, 'modern');
  t.equal(parseSelector('a contains "x"').canonical, 'a contains "x"');
});

t.test('operators added after 2018 are parse errors in the 2018 dialect', async (t) => {
  for (const text of [
    'a contains "x"',
    'a starts with "x"',
    'a startswith "x"',
    'a ends with "x"',
    'a endswith "x"',
    'global()',
    'has(a) && global()',
  ]) {
    t.ok(modern(text), `modern accepts ${text}`);
    t.equal(v2018(text), undefined, `2018 rejects ${text}`);
  }
  let err: unknown;
  try {
    parseSelector('a contains "x"', { dialect: '2018' });
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof SelectorParseError);
  t.match((err as Error).message, /column 3.*need the modern dialect/);
  try {
    parseSelector('global()', { dialect: '2018' });
  } catch (e) {
    err = e;
  }
  t.match((err as Error).message, /column 1.*global\(\) needs the modern dialect/);
});

t.test('a label literally named in: error in 2018, fine in modern', async (t) => {
  t.equal(modern('in == "x"'), 'in == "x"');
  t.equal(v2018('in == "x"'), undefined);
  t.equal(modern('has(in)'), 'has(in)');
  t.equal(v2018('has(in)'), 'has(in)', 'inside has( ) the 2018 tokenizer reads a label');
  t.equal(modern('notin == "x"'), 'notin == "x"');
  t.equal(v2018('notin == "x"'), undefined);
  t.equal(modern('in.x == "y"'), 'in.x == "y"');
  t.equal(v2018('in.x == "y"'), undefined, '`in` followed by a non-word character is the keyword in 2018');
  t.equal(v2018('in_x == "y"'), 'in_x == "y"');
  t.equal(parseSelector('in == "x"').evaluate({ in: 'x' }), true);
  // 2018: a label named `not` works with ==, but `not in {…}` reads as the keyword.
  t.equal(v2018('not == "x"'), 'not == "x"');
  t.equal(v2018('not in {"x"}'), undefined);
  t.equal(modern('not in {"x"}'), 'not in {"x"}');
  t.equal(modern('not not in {"x"}'), 'not not in {"x"}');
});

t.test('operator words run into following text', async (t) => {
  // Modern matches operator words as prefixes after a label; 2018 needs a word boundary after in.
  t.equal(modern('a notin{"x"}'), 'a not in {"x"}');
  t.equal(v2018('a notin{"x"}'), 'a not in {"x"}');
  t.equal(modern('a in{"x"}'), 'a in {"x"}');
  t.equal(v2018('a in{"x"}'), 'a in {"x"}');
  t.equal(modern('a startswith"x"'), 'a starts with "x"');
  t.equal(modern('a inx {"x"}'), undefined);
  t.equal(v2018('a inx {"x"}'), undefined);
  t.equal(modern('a containsx "x"'), undefined);
});

t.test('2018: a 512-character label immediately followed by in', async (t) => {
  // v3.3 took at most 512 label characters per token, so the rest could become the `in` keyword.
  const label = 'k'.repeat(512);
  t.equal(v2018(`${label}in {"x"}`), `${label} in {"x"}`);
  t.equal(modern(`${label}in {"x"}`), undefined, 'modern rejects the 514-character label');
});

t.test('Dikastes §9 item 16 vectors', async (t) => {
  for (const dialect of ['modern', '2018'] as const) {
    const opts = { dialect };
    t.equal(tryParseSelector('envnotin{"prod"}', opts), undefined, `${dialect}: envnotin is one label`);
    t.equal(tryParseSelector('env in {"a", "b",}', opts)?.evaluate({ env: 'b' }), true, `${dialect}: trailing comma`);
    t.equal(tryParseSelector('env in {}', opts)?.evaluate({ env: '' }), false, `${dialect}: in {} never matches`);
    t.equal(tryParseSelector('env != "x"', opts)?.evaluate({}), true);
    t.equal(tryParseSelector('env not in {"x"}', opts)?.evaluate({}), true);
    t.equal(tryParseSelector('!!has(x)', opts)?.canonical, 'has(x)');
    t.equal(tryParseSelector(`env == 'a'`, opts)?.evaluate({ env: 'a' }), true);
    t.equal(tryParseSelector('env == "a"', opts)?.evaluate({ env: 'a' }), true);
    t.equal(tryParseSelector('not.a.real.selector', opts), undefined, `${dialect}: lone label`);
  }
  t.equal(tryParseSelector('env startswith "pr"')?.evaluate({ env: 'prod' }), true, 'startswith without space');
});
