// Table-driven tests of the check engine in process: every rule field, identity handling, tiers,
// profiles and actions, per compat level (spec-dikastes §3, §5, §9).
import t from 'tap';
import type { Rule, ToDataplane } from '@alpsim/proto';
import { PolicyStore, evaluateCheck, formatTrace, type Compat } from '../src/index';
import { endpoint, ipset, policy, profile, request, serviceAccount } from './helpers/build';
import { ALL, caseMessages, cases, expected } from './helpers/cases';

for (const c of cases) {
  for (const compat of ALL) {
    const want = expected(c, compat);
    if (want === undefined) continue;
    t.test(`[${compat}] ${c.name}`, async (t) => {
      const { store, errors } = PolicyStore.from(caseMessages(c));
      t.same(errors, [], 'store built without errors');
      const outcome = evaluateCheck(store, request(c.req), { compat, explain: true });
      t.equal(outcome.code, want, outcome.trace ? formatTrace(outcome.trace) : '');
      if (c.clause && compat === '3.28') {
        const rule = outcome.trace!.steps[0]?.rules[0];
        t.equal(rule?.failedClause, c.clause, 'failed clause');
      }
      // Without explain the code is the same.
      t.equal(evaluateCheck(store, request(c.req), { compat }).code, want, 'same code without explain');
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Tiers, profiles, pass (§3.4, §3.5, §9 items 5-7, 9-10)

function build(messages: ToDataplane[]): PolicyStore {
  const { store, errors } = PolicyStore.from(messages);
  if (errors.length) throw new Error(errors.join('\n'));
  return store;
}

t.test('no store (not in sync) => UNAVAILABLE', async (t) => {
  for (const compat of ALL) t.equal(evaluateCheck(null, request(), { compat }).code, 14);
});

t.test('no endpoint => PERMISSION_DENIED; endpoint remove clears it', async (t) => {
  const store = build([policy('p', [{ action: 'allow' }])]);
  t.equal(evaluateCheck(store, request()).code, 7);
  store.apply(endpoint({ tiers: [{ ingress: ['p'] }] }));
  t.equal(evaluateCheck(store, request()).code, 0);
  store.apply({ workloadEndpointRemove: { id: { workloadId: 'anything' } } });
  t.equal(evaluateCheck(store, request()).code, 7);
});

t.test('the last workload endpoint update wins whatever its id', async (t) => {
  const store = build([policy('p', [{ action: 'allow' }]), endpoint({ tiers: [{ ingress: ['p'] }], workload: 'a/x' }), endpoint({ profiles: [], workload: 'b/y' })]);
  t.equal(evaluateCheck(store, request()).code, 7);
});

t.test('pass jumps to profiles; pass in a profile denies', async (t) => {
  const store = build([
    policy('p', [{ action: 'pass' }]),
    profile('allow-all', [{ action: 'allow' }]),
    profile('pass', [{ action: 'pass' }]),
    endpoint({ tiers: [{ ingress: ['p'] }], profiles: ['allow-all'] }),
  ]);
  for (const compat of ALL) t.equal(evaluateCheck(store, request(), { compat }).code, 0, compat);
  store.apply(endpoint({ tiers: [{ ingress: ['p'] }], profiles: ['pass', 'allow-all'] }));
  for (const compat of ALL) t.equal(evaluateCheck(store, request(), { compat }).code, 7, compat);
});

t.test('end of tier denies even when a profile would allow (3.28, 3.2)', async (t) => {
  const store = build([
    policy('p', [{ action: 'allow', srcNet: ['1.1.1.1/32'] }]),
    profile('allow-all', [{ action: 'allow' }]),
    endpoint({ tiers: [{ ingress: ['p'] }], profiles: ['allow-all'] }),
  ]);
  for (const compat of ALL) t.equal(evaluateCheck(store, request(), { compat }).code, 7, compat);
  const trace = evaluateCheck(store, request(), { explain: true }).trace!;
  t.equal(trace.decision.kind, 'end-of-tier');
});

t.test('a first tier with no ingress policies: deny in 3.28, skipped in 3.29', async (t) => {
  const store = build([
    policy('egress-only', []),
    profile('allow-all', [{ action: 'allow' }]),
    endpoint({ tiers: [{ ingress: [], egress: ['egress-only'] }], profiles: ['allow-all'] }),
  ]);
  t.equal(evaluateCheck(store, request(), { compat: '3.2' }).code, 7);
  t.equal(evaluateCheck(store, request(), { compat: '3.28' }).code, 7);
  t.equal(evaluateCheck(store, request(), { compat: '3.29' }).code, 0);
});

t.test('only tiers[0] before 3.29; all tiers with default actions in 3.29', async (t) => {
  const store = build([
    policy('p1', [{ action: 'pass', srcNet: ['10.0.0.0/8'] }], { tier: 't1' }),
    policy('p2', [{ action: 'deny' }], { tier: 't2' }),
    profile('allow-all', [{ action: 'allow' }]),
    endpoint({ tiers: [{ name: 't1', ingress: ['p1'] }, { name: 't2', ingress: ['p2'] }], profiles: ['allow-all'] }),
  ]);
  // 3.28: pass jumps straight to profiles, skipping t2.
  t.equal(evaluateCheck(store, request(), { compat: '3.28' }).code, 0);
  // 3.29: pass goes to the next tier, which denies.
  t.equal(evaluateCheck(store, request(), { compat: '3.29' }).code, 7);
});

t.test('3.29 tier default action Pass continues; Deny/empty denies', async (t) => {
  const mk = (defaultAction: string) =>
    build([
      policy('p1', [{ action: 'allow', srcNet: ['1.1.1.1/32'] }], { tier: 't1' }),
      policy('p2', [{ action: 'allow' }], { tier: 't2' }),
      endpoint({ tiers: [{ name: 't1', ingress: ['p1'], defaultAction }, { name: 't2', ingress: ['p2'] }] }),
    ]);
  t.equal(evaluateCheck(mk('Pass'), request(), { compat: '3.29' }).code, 0);
  t.equal(evaluateCheck(mk('Deny'), request(), { compat: '3.29' }).code, 7);
  t.equal(evaluateCheck(mk(''), request(), { compat: '3.29' }).code, 7);
  const trace = evaluateCheck(mk('Deny'), request(), { compat: '3.29', explain: true }).trace!;
  t.equal(trace.decision.kind, 'tier-default-action');
  t.equal(trace.decision.tier, 't1');
  // before 3.29 the second tier is never consulted
  t.equal(evaluateCheck(mk('Pass'), request(), { compat: '3.28' }).code, 7);
});

t.test('missing policy: INTERNAL before 3.29, skipped in 3.29', async (t) => {
  const store = build([
    policy('p2', [{ action: 'allow', srcNet: ['1.1.1.1/32'] }]),
    profile('allow-all', [{ action: 'allow' }]),
    endpoint({ tiers: [{ ingress: ['p2', 'gone'] }], profiles: ['allow-all'] }),
  ]);
  const o = evaluateCheck(store, request(), { compat: '3.28' });
  t.equal(o.code, 13);
  t.match(o.error, /policy "gone" of tier "default" is missing/);
  t.equal(evaluateCheck(store, request(), { compat: '3.2' }).code, 13);
  // 3.29: the missing policy was last, so the end-of-tier action is skipped: profiles allow.
  t.equal(evaluateCheck(store, request(), { compat: '3.29' }).code, 0);
  store.apply(endpoint({ tiers: [{ ingress: ['gone', 'p2'] }], profiles: ['allow-all'] }));
  t.equal(evaluateCheck(store, request(), { compat: '3.29' }).code, 7, 'missing first, then no match => end-of-tier deny');
});

t.test('missing profile: INTERNAL before 3.29, skipped in 3.29', async (t) => {
  const store = build([profile('allow-all', [{ action: 'allow' }]), endpoint({ profiles: ['gone', 'allow-all'] })]);
  t.equal(evaluateCheck(store, request(), { compat: '3.28' }).code, 13);
  t.equal(evaluateCheck(store, request(), { compat: '3.29' }).code, 0);
});

t.test('endpoint without tiers goes to profiles; no profiles denies', async (t) => {
  t.equal(evaluateCheck(build([profile('a', [{ action: 'allow' }]), endpoint({ profiles: ['a'] })]), request()).code, 0);
  t.equal(evaluateCheck(build([endpoint({})]), request()).code, 7);
  t.equal(evaluateCheck(build([profile('a', [{ action: 'deny' }]), endpoint({ profiles: ['a'] })]), request()).code, 7);
  t.equal(evaluateCheck(build([profile('a', [{ action: 'allow', srcNet: ['1.1.1.1/32'] }]), endpoint({ profiles: ['a'] })]), request()).code, 7);
});

t.test('outbound rules are never consulted', async (t) => {
  const store = build([policy('p', [], { outboundRules: [{ action: 'allow' }] }), endpoint({ tiers: [{ ingress: ['p'] }] })]);
  t.equal(evaluateCheck(store, request()).code, 7);
});

t.test('v2 shim: a v2 request without a peer crashes the real 2021+ one; 2018 gives 7', async (t) => {
  const store = build([policy('p', [{ action: 'allow' }]), endpoint({ tiers: [{ ingress: ['p'] }] })]);
  for (const apiVersion of ['v2', 'v2alpha'] as const) {
    t.equal(evaluateCheck(store, request({ destination: null }), { compat: '3.28', apiVersion }).code, 13, apiVersion);
    t.equal(evaluateCheck(store, request({ source: null }), { compat: '3.29', apiVersion }).code, 13, apiVersion);
    t.equal(evaluateCheck(store, request({ destination: null }), { compat: '3.2', apiVersion }).code, 7, apiVersion);
    t.equal(evaluateCheck(store, request(), { compat: '3.28', apiVersion }).code, 0, apiVersion);
  }
  t.equal(evaluateCheck(store, request({ destination: null }), { compat: '3.28', apiVersion: 'v3' }).code, 7);
  // Even before sync, the v2 adapter runs first.
  t.equal(evaluateCheck(null, request({ destination: null }), { compat: '3.28', apiVersion: 'v2' }).code, 13);
});

t.test('explain trace names every visited rule and its failing clause', async (t) => {
  const store = build([
    serviceAccount('default', 'client', { role: 'web' }),
    policy('first', [
      { action: 'allow', srcServiceAccountMatch: { names: ['admin'] } },
      { action: 'log' },
      { action: 'deny', httpMatch: { methods: ['DELETE'] } },
    ]),
    policy('second', [{ action: 'allow', srcServiceAccountMatch: { selector: 'role == "web"' }, httpMatch: { paths: [{ prefix: '/api' }] } }]),
    endpoint({ tiers: [{ ingress: ['first', 'second'] }] }),
  ]);
  const { code, trace } = evaluateCheck(store, request({ path: '/api/x?q' }), { explain: true });
  t.equal(code, 0);
  t.ok(trace);
  t.same(trace!.decision, { kind: 'rule', tier: 'default', policy: 'second', ruleIndex: 0, action: 'allow' });
  t.same(
    trace!.steps.map((s) => [s.name, s.result, s.rules.map((r) => r.failedClause ?? (r.skipped ? 'log' : 'match'))]),
    [
      ['first', 'no-match', ['srcServiceAccountMatch.names', 'log', 'httpMatch.methods']],
      ['second', 'allow', ['match']],
    ],
  );
  t.equal(trace!.source.serviceAccount, 'client');
  t.match(formatTrace(trace!), /rule 0 allow: failed srcServiceAccountMatch.names/);
  const miss = evaluateCheck(store, request({ path: '/other' }), { explain: true }).trace!;
  t.equal(miss.steps[1].rules[0].failedClause, 'httpMatch.paths');
  t.equal(miss.decision.kind, 'end-of-tier');
});

// ---------------------------------------------------------------------------------------------
// Store updates (§2.2, §9 item 4)

t.test('store: IP set deltas are exact and replace is a replace', async (t) => {
  const store = build([
    ipset('s', 'NET', ['10.0.0.0/16', '10.0.0.0/24']),
    policy('p', [{ action: 'allow', srcIpSetIds: ['s'] }]),
    endpoint({ tiers: [{ ingress: ['p'] }] }),
  ]);
  t.equal(evaluateCheck(store, request()).code, 0);
  store.apply({ ipsetDeltaUpdate: { id: 's', removedMembers: ['10.0.0.0/16'] } });
  t.equal(evaluateCheck(store, request()).code, 0, 'the /24 inside is still there');
  store.apply({ ipsetDeltaUpdate: { id: 's', removedMembers: ['10.0.0.0/24'] } });
  t.equal(evaluateCheck(store, request()).code, 7);
  store.apply({ ipsetDeltaUpdate: { id: 's', addedMembers: ['10.0.0.1/32'], removedMembers: ['10.0.0.1/32'] } });
  t.equal(evaluateCheck(store, request()).code, 7, 'added then removed');
  store.apply(ipset('s', 'NET', ['10.0.0.1/32']));
  t.equal(evaluateCheck(store, request()).code, 0);
  store.apply({ ipsetRemove: { id: 's' } });
  t.equal(evaluateCheck(store, request()).code, 13, 'set gone => missing IP set');
});

t.test('store: what crashes the real one is reported and skipped', async (t) => {
  const store = new PolicyStore();
  const bad: ToDataplane[] = [
    { ipsetDeltaUpdate: { id: 'unknown', addedMembers: ['1.2.3.4/32'] } },
    { configUpdate: { config: { a: 'b' } } },
    { hostEndpointUpdate: {} },
    {},
    { activePolicyUpdate: { policy: { inboundRules: [] } } },
    { activePolicyRemove: {} },
    { activeProfileUpdate: { profile: {} } },
    { activeProfileRemove: {} },
    { serviceAccountUpdate: { labels: {} } },
    { serviceAccountRemove: {} },
    { namespaceUpdate: { labels: {} } },
    { namespaceRemove: {} },
    { ipsetUpdate: { id: 'x', type: 7 as never, members: [] } },
  ];
  for (const m of bad) {
    const r = store.apply(m);
    t.equal(r.ok, false, JSON.stringify(m));
    if (!r.ok) t.ok(r.error.length > 10);
  }
  t.equal(store.version, 0, 'nothing applied');
  const r = store.apply(ipset('n', 'NET', ['10.0.0.1', '10.0.0.0/8', 'junk/8']));
  t.equal(r.ok, false);
  if (!r.ok) t.match(r.error, /skipped 2 member/);
  t.same([...store.ipSets.get('n')!.members], ['10.0.0.0/8'], 'good members kept');
});

t.test('compiled selectors are cached, not re-parsed per check', async (t) => {
  const store = build([
    serviceAccount('default', 'client', { app: 'a' }),
    policy('p', [{ action: 'allow', srcServiceAccountMatch: { selector: 'app == "a"' } }]),
    endpoint({ tiers: [{ ingress: ['p'] }] }),
  ]);
  const rule = store.getPolicy('default', 'p')!.inboundRules[0];
  const first = rule.src.saSelector!.get('modern');
  evaluateCheck(store, request());
  t.equal(rule.src.saSelector!.get('modern'), first);
  t.equal(evaluateCheck(store, request()).code, 0);
});
