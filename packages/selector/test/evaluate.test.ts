import t from 'tap';
import { parseSelector, selectorFromAst, walkSelector, SelectorDialect, SelectorNode } from '../src/index';

const matches = (text: string, labels: Record<string, string>, dialect: SelectorDialect = 'modern') =>
  parseSelector(text, { dialect }).evaluate(labels);

t.test('every operator, with the label present, different and absent', async (t) => {
  // [selector, {a:'x'}, {a:'y'}, {} ]
  const table: Array<[string, boolean, boolean, boolean]> = [
    ['all()', true, true, true],
    ['', true, true, true],
    ['has(a)', true, true, false],
    ['!has(a)', false, false, true],
    ['a == "x"', true, false, false],
    ['a != "x"', false, true, true],
    ['a in {"x", "z"}', true, false, false],
    ['a not in {"x", "z"}', false, true, true],
    ['a in {}', false, false, false],
    ['a not in {}', true, true, true],
    ['!a == "x"', false, true, true],
    ['!a != "x"', true, false, false],
  ];
  for (const [text, withX, withY, absent] of table) {
    for (const dialect of ['modern', '2018'] as const) {
      t.equal(matches(text, { a: 'x' }), withX, `${dialect} ${text} on a=x`);
      t.equal(matches(text, { a: 'y' }), withY, `${dialect} ${text} on a=y`);
      t.equal(matches(text, {}), absent, `${dialect} ${text} on no labels`);
    }
  }
});

t.test('contains / starts with / ends with / global()', async (t) => {
  const labels = { app: 'frontend-v2' };
  t.equal(matches('app contains "end"', labels), true);
  t.equal(matches('app contains "END"', labels), false, 'case-sensitive');
  t.equal(matches('app starts with "front"', labels), true);
  t.equal(matches('app starts with "end"', labels), false);
  t.equal(matches('app ends with "-v2"', labels), true);
  t.equal(matches('app ends with "front"', labels), false);
  for (const op of ['contains', 'starts with', 'ends with']) {
    t.equal(matches(`app ${op} ""`, labels), true, `${op} "" is true when present`);
    t.equal(matches(`other ${op} ""`, labels), false, `${op} "" is false when absent`);
    t.equal(matches(`!other ${op} "x"`, labels), true, `!${op} is true when absent`);
  }
  t.equal(matches('global()', {}), true);
  t.equal(matches('global()', labels), true);
});

t.test('values: exact, case-sensitive byte compare; empty values count as present', async (t) => {
  t.equal(matches('a == "X"', { a: 'x' }), false);
  t.equal(matches('a == "x "', { a: 'x' }), false);
  t.equal(matches('a == ""', { a: '' }), true);
  t.equal(matches('has(a)', { a: '' }), true);
  t.equal(matches('a != ""', { a: '' }), false);
  t.equal(matches('a in {""}', { a: '' }), true);
  t.equal(matches('a == "é"', { a: 'e\u0301' }), false, 'no Unicode normalisation');
});

t.test('sets of every size', async (t) => {
  for (let n = 1; n <= 8; n++) {
    const values = Array.from({ length: n }, (_, i) => `v${i}`);
    const sel = parseSelector(`k in {${values.map((v) => `"${v}"`).join(', ')}}`);
    const notSel = parseSelector(`k not in {${values.map((v) => `'${v}'`).join(',')}}`);
    for (const v of values) {
      t.equal(sel.evaluate({ k: v }), true, `${n}: ${v} in`);
      t.equal(notSel.evaluate({ k: v }), false, `${n}: ${v} not in`);
    }
    t.equal(sel.evaluate({ k: 'other' }), false, `${n}: other`);
    t.equal(sel.evaluate({}), false, `${n}: absent`);
    t.equal(notSel.evaluate({}), true, `${n}: absent not in`);
  }
});

t.test('Object.prototype keys are not labels', async (t) => {
  for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    t.equal(matches(`has(${key})`, {}), false, `has(${key})`);
    t.equal(matches(`${key} != "x"`, {}), true, `${key} != x`);
    t.equal(matches(`${key} not in {"x"}`, {}), true, `${key} not in`);
    t.equal(matches(`${key} contains ""`, {}), false, `${key} contains ""`);
  }
  const labels = JSON.parse('{"__proto__": "p", "constructor": "c"}');
  t.equal(matches('__proto__ == "p"', labels), true, 'own __proto__ label from JSON');
  t.equal(matches('has(constructor)', labels), true);
  t.equal(matches('has(a)', Object.assign(Object.create(null), { a: '1' })), true, 'null-prototype maps');
});

t.test('and/or chains of any length short-circuit correctly', async (t) => {
  for (let n = 2; n <= 6; n++) {
    const names = Array.from({ length: n }, (_, i) => `l${i}`);
    const and = parseSelector(names.map((l) => `has(${l})`).join(' && '));
    const or = parseSelector(names.map((l) => `has(${l})`).join(' || '));
    const all = Object.fromEntries(names.map((l) => [l, '']));
    t.equal(and.evaluate(all), true, `and ${n} all present`);
    t.equal(or.evaluate({}), false, `or ${n} none present`);
    for (const missing of names) {
      const partial = { ...all };
      delete partial[missing];
      t.equal(and.evaluate(partial), false, `and ${n} without ${missing}`);
      t.equal(or.evaluate({ [missing]: 'x' }), true, `or ${n} with only ${missing}`);
    }
  }
});

t.test('mapLabels renames every label-bearing node and re-renders', async (t) => {
  const sel = parseSelector(
    `!has(a) || (b == 'x' && c != "y") || d in {'1'} || e not in {} || f contains "z" || g starts with "p" || h ends with "s" || all() || global()`,
  );
  const prefixed = sel.mapLabels((k) => `pcns.${k}`);
  t.equal(
    prefixed.canonical,
    '(!has(pcns.a) || (pcns.b == "x" && pcns.c != "y") || pcns.d in {"1"} || pcns.e not in {} || ' +
      'pcns.f contains "z" || pcns.g starts with "p" || pcns.h ends with "s" || all() || global())',
  );
  t.not(prefixed, sel);
  t.match(sel.canonical, /^\(!has\(a\)/, 'the original is untouched');
  const ns = parseSelector('env == "prod" && !has(legacy)').mapLabels((k) => `pcns.${k}`);
  t.equal(ns.evaluate({ 'pcns.env': 'prod' }), true, 'the renamed selector evaluates against renamed keys');
  t.equal(ns.evaluate({ env: 'prod' }), false);
  t.equal(ns.evaluate({ 'pcns.env': 'prod', 'pcns.legacy': '' }), false);
  // Spec §3.6: NS selector prefixed with pcns. then re-rendered.
  t.equal(
    parseSelector(`!has(key) || (has(key) && !key in {'value'})`, { dialect: '2018' }).mapLabels((k) => `pcns.${k}`)
      .canonical,
    '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))',
  );
});

t.test('ast accessor exposes the tree', async (t) => {
  t.same(parseSelector(`!(a == 'b' || has(c)) && d in {'y','x','y'}`).ast, {
    kind: 'and',
    operands: [
      {
        kind: 'not',
        operand: { kind: 'or', operands: [{ kind: 'eq', label: 'a', value: 'b' }, { kind: 'has', label: 'c' }] },
      },
      { kind: 'in', label: 'd', values: ['x', 'y'] },
    ],
  });
  t.same(parseSelector('').ast, { kind: 'all' });
});

t.test('selectorFromAst normalises hand-built trees', async (t) => {
  const sel = selectorFromAst({
    kind: 'and',
    operands: [
      { kind: 'or', operands: [{ kind: 'in', label: 'sa', values: ['b', 'a', 'b'] }] },
      { kind: 'not', operand: { kind: 'not', operand: { kind: 'has', label: 'x' } } },
    ],
  });
  t.equal(sel.canonical, '(sa in {"a", "b"} && has(x))');
  t.equal(sel.evaluate({ sa: 'a', x: '' }), true);
  t.equal(sel.evaluate({ sa: 'c', x: '' }), false);
  t.throws(() => selectorFromAst({ kind: 'or', operands: [] }), /empty "or"/);
  const kinds: string[] = [];
  walkSelector(parseSelector('!has(a) || global()').ast, (n: SelectorNode) => kinds.push(n.kind));
  t.same(kinds, ['or', 'not', 'has', 'global']);
});
