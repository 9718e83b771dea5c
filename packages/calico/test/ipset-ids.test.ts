// Golden tests: IP-set IDs of spec §3.7 (computed with libcalico-go v3.3) and the selector → ID path.
import t from 'tap';
import { parseSelector } from '@alpsim/selector';
import { namedPortIPSetId, selectorIPSetId } from '../src/index';

const fixtures: [string, string, string][] = [
  ['(pcsa.foo == "bar") && (all())', '(pcsa.foo == "bar" && all())', 's:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw'],
  ["projectcalico.org/namespace == 'ns1'", 'projectcalico.org/namespace == "ns1"', 's:Qt_18OUe0Ln7uWDKT0vnmcIxvAI5xBwoP89xBw'],
  ["(projectcalico.org/namespace == 'ns1') && (app == 'web')", '(projectcalico.org/namespace == "ns1" && app == "web")', 's:75vsiwqphzaGEq2Wih3jMkP-vNWNPs6LRI73Ww'],
  ['pcns.env == "prod"', 'pcns.env == "prod"', 's:5X2SPVSOxbc4v-E1NhPgRV6xc3u_gPrr06u5TQ'],
  ['has(projectcalico.org/namespace)', 'has(projectcalico.org/namespace)', 's:2dAotJA2sZ5pOhC_BaBuAFekzFsoGV350DfHsw'],
  ['all()', 'all()', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
  ['! (has( b)||! has(a ))', '!(has(b) || !has(a))', 's:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q'],
  ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")', 's:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w'],
];

for (const [input, canonical, id] of fixtures) {
  t.test(input, async (t) => {
    const sel = parseSelector(input, { dialect: '2018' });
    t.equal(sel.canonical, canonical);
    t.equal(selectorIPSetId(sel.canonical), id);
    t.equal(id.length, 2 + 38);
  });
}

t.test('named-port set ID: all() + tcp + http', async (t) => {
  t.equal(namedPortIPSetId('all()', 'tcp', 'http'), 'n:cl9_Kgeu4H0OGLbhovVR3NBLUOZscKeMK1Mu4A');
  t.not(namedPortIPSetId('all()', 'udp', 'http'), namedPortIPSetId('all()', 'tcp', 'http'), 'protocol is part of the ID');
});
