// Proves the canonical form is byte-exact: libcalico-go's IP-set UID is
// "s:" + base64url-no-padding(SHA-224("s:" + canonical)), and these UIDs come from the spec.
import t from 'tap';
import { createHash } from 'node:crypto';
import { parseSelector, SelectorDialect } from '../src/index';

const uid = (canonical: string) => 's:' + createHash('sha224').update('s:' + canonical).digest('base64url');

const vectors: Array<[string, string, string]> = [
  ['! (has( b)||! has(a ))', '!(has(b) || !has(a))', 's:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q'],
  ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")', 's:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w'],
  ['', 'all()', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
  [' (all() )', 'all()', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
  ['(pcsa.foo == "bar") && (all())', '(pcsa.foo == "bar" && all())', 's:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw'],
  ["projectcalico.org/namespace == 'ns1'", 'projectcalico.org/namespace == "ns1"', 's:Qt_18OUe0Ln7uWDKT0vnmcIxvAI5xBwoP89xBw'],
  [
    "(projectcalico.org/namespace == 'ns1') && (app == 'web')",
    '(projectcalico.org/namespace == "ns1" && app == "web")',
    's:75vsiwqphzaGEq2Wih3jMkP-vNWNPs6LRI73Ww',
  ],
  ['pcns.env == "prod"', 'pcns.env == "prod"', 's:5X2SPVSOxbc4v-E1NhPgRV6xc3u_gPrr06u5TQ'],
  ['has(projectcalico.org/namespace)', 'has(projectcalico.org/namespace)', 's:2dAotJA2sZ5pOhC_BaBuAFekzFsoGV350DfHsw'],
];

t.test('canonical forms hash to the spec UIDs in both dialects', async (t) => {
  for (const dialect of ['modern', '2018'] as SelectorDialect[]) {
    for (const [input, canonical, expected] of vectors) {
      const sel = parseSelector(input, { dialect });
      t.equal(sel.canonical, canonical, `${dialect} canonical of ${input}`);
      t.equal(uid(sel.canonical), expected, `${dialect} UID of ${input}`);
      t.equal(expected.length, 40, 's: + 38 characters');
    }
  }
});

t.test('named-port set id formula from the spec', async (t) => {
  const selectorId = uid(parseSelector('').canonical);
  const id = 'n:' + createHash('sha224').update(`n:${selectorId},tcp,http`).digest('base64url');
  t.equal(id, 'n:cl9_Kgeu4H0OGLbhovVR3NBLUOZscKeMK1Mu4A');
});
