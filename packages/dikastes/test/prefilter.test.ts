// Differential test: the fast path (integer pre-filter, prefix index) must give exactly the codes
// of the exact clause-ordered walk (which `explain: true` always uses), on random stores/requests.
import t from 'tap';
import type { Rule, ToDataplane } from '@alpsim/proto';
import { PolicyStore, evaluateCheck, type Compat } from '../src/index';
import { endpoint, ipset, policy, principal, profile, request, type RequestSpec } from './helpers/build';

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const ADDRS = ['10.0.0.1', '10.0.1.7', '10.1.0.1', '192.168.1.1', 'fd00::1', 'fd00::1:5', '::ffff:10.0.0.1', ''];
const NETS = ['10.0.0.0/8', '10.0.0.0/24', '10.0.0.1/32', '10.0.0.0/25', '192.168.0.0/16', 'fd00::/64', 'bogus', '0.0.0.0/0'];
const SETS = ['net-a', 'net-b', 'ip-a', 'np-a', 'missing'];

function randomRule(): Rule {
  const r: Rule = { action: pick(['allow', 'deny', 'pass', 'log', 'Allow', 'deny']) };
  if (rnd() < 0.02) r.action = 'weird';
  if (rnd() < 0.4) r.srcNet = rnd() < 0.8 ? [pick(NETS)] : [pick(NETS), pick(NETS)];
  if (rnd() < 0.3) r.dstPorts = [pick([{ first: 8080, last: 8080 }, { first: 1, last: 100 }, { first: 0, last: 65535 }])];
  if (rnd() < 0.1) r.dstNamedPortIpSetIds = ['np-a'];
  if (rnd() < 0.3) r.protocol = pick([{ name: 'tcp' }, { name: 'UDP' }, { number: 6 }, { number: 17 }, {}, { name: 'sctp' }]);
  if (rnd() < 0.1) r.notProtocol = pick([{ name: 'udp' }, { number: 17 }]);
  if (rnd() < 0.3) r.srcIpSetIds = rnd() < 0.8 ? [pick(SETS)] : [pick(SETS), pick(SETS)];
  if (rnd() < 0.1) r.notSrcIpSetIds = [pick(SETS)];
  if (rnd() < 0.15) r.httpMatch = { methods: rnd() < 0.5 ? ['GET'] : [], paths: rnd() < 0.5 ? [{ prefix: '/a' }] : [] };
  if (rnd() < 0.1) r.srcServiceAccountMatch = { names: [pick(['client', 'other'])] };
  if (rnd() < 0.05) r.dstNet = [pick(NETS)];
  return r;
}

function randomStore(): ToDataplane[] {
  const messages: ToDataplane[] = [
    ipset('net-a', 'NET', ['10.0.0.0/16', '192.168.1.0/24', 'fd00::/120']),
    ipset('net-b', 'NET', ['10.0.0.0/25', '10.0.1.7/32']),
    ipset('ip-a', 'IP', ['10.0.0.1', 'fd00::1']),
    ipset('np-a', 'IP_AND_PORT', ['10.0.0.2,tcp:8080']),
    profile('pr', [randomRule(), { action: 'allow' }]),
  ];
  if (rnd() < 0.5) messages.push(ipset('missing', 'NET', ['10.0.0.0/8']));
  const names: string[] = [];
  const count = 1 + Math.floor(rnd() * 4);
  for (let p = 0; p < count; p++) {
    const rules = Array.from({ length: 1 + Math.floor(rnd() * 8) }, randomRule);
    names.push(`p${p}`);
    messages.push(policy(`p${p}`, rules));
  }
  messages.push(endpoint({ tiers: [{ ingress: names }], profiles: ['pr'] }));
  return messages;
}

function randomRequest(): RequestSpec {
  return {
    source: { address: pick(ADDRS), port: pick([0, 40000]), principal: pick([principal('default', 'client'), principal('default', 'client'), '']) },
    destination: rnd() < 0.1 ? null : { address: '10.0.0.2', port: pick([8080, 80, 0]), protocol: rnd() < 0.2 ? 'UDP' : 'TCP' },
    method: pick(['GET', 'POST']),
    path: pick(['/a/b', '/x', 'bad', '/a?q']),
    http: rnd() < 0.85,
  };
}

t.test('fast path and exact walk agree on random stores and requests', async (t) => {
  let compared = 0;
  const codes = new Map<number, number>();
  for (let s = 0; s < 150; s++) {
    const { store } = PolicyStore.from(randomStore());
    for (let q = 0; q < 40; q++) {
      const spec = randomRequest();
      for (const compat of ['3.2', '3.28', '3.29'] as Compat[]) {
        const fast = evaluateCheck(store, request(spec), { compat }).code;
        const exact = evaluateCheck(store, request(spec), { compat, explain: true }).code;
        if (fast !== exact) {
          t.fail(`store ${s} request ${JSON.stringify(spec)} compat ${compat}: fast ${fast} exact ${exact}`);
          return;
        }
        codes.set(fast, (codes.get(fast) ?? 0) + 1);
        compared++;
      }
    }
  }
  t.ok(compared > 10000, `${compared} comparisons`);
  for (const code of [0, 3, 7, 13]) t.ok((codes.get(code) ?? 0) > 0, `code ${code} exercised (${codes.get(code) ?? 0})`);
});

t.test('fast path and exact walk agree while the store is updated in place', async (t) => {
  let compared = 0;
  for (let s = 0; s < 60; s++) {
    const { store } = PolicyStore.from(randomStore());
    for (let round = 0; round < 8; round++) {
      // Random in-place updates: replace or remove a policy, replace/delta/remove an IP set.
      const u = rnd();
      if (u < 0.4) store.apply(policy(`p${Math.floor(rnd() * 3)}`, Array.from({ length: 1 + Math.floor(rnd() * 6) }, randomRule)));
      else if (u < 0.5) store.apply({ activePolicyRemove: { id: { tier: 'default', name: `p${Math.floor(rnd() * 3)}` } } });
      else if (u < 0.7) store.apply(ipset(pick(['net-a', 'net-b', 'missing']), 'NET', [pick(NETS.slice(0, 6)), '10.0.0.1/24']));
      else if (u < 0.85) store.apply({ ipsetDeltaUpdate: { id: 'net-a', addedMembers: ['10.0.0.0/24'], removedMembers: ['10.0.0.0/16'] } });
      else store.apply({ ipsetRemove: { id: pick(['net-b', 'ip-a']) } });
      for (let q = 0; q < 15; q++) {
        const spec = randomRequest();
        for (const compat of ['3.2', '3.28', '3.29'] as Compat[]) {
          const fast = evaluateCheck(store, request(spec), { compat }).code;
          const exact = evaluateCheck(store, request(spec), { compat, explain: true }).code;
          if (fast !== exact) {
            t.fail(`store ${s} round ${round} request ${JSON.stringify(spec)} compat ${compat}: fast ${fast} exact ${exact}`);
            return;
          }
          compared++;
        }
      }
    }
  }
  t.ok(compared > 10000, `${compared} comparisons`);
});

t.test('NET prefix index: shared prefixes across sets and within a set are counted', async (t) => {
  const { store } = PolicyStore.from([
    ipset('a', 'NET', ['10.0.0.0/24', '10.0.0.7/24']),
    ipset('b', 'NET', ['10.0.0.0/24']),
    policy('p', [{ action: 'allow', srcIpSetIds: ['a'] }, { action: 'deny', srcIpSetIds: ['b'] }]),
    endpoint({ tiers: [{ ingress: ['p'] }] }),
  ]);
  const code = () => evaluateCheck(store, request()).code;
  t.equal(code(), 0);
  store.apply({ ipsetDeltaUpdate: { id: 'a', removedMembers: ['10.0.0.0/24'] } });
  // The real set is a trie of prefixes: 10.0.0.7/24 is the same member as 10.0.0.0/24.
  t.equal(code(), 7, 'a no longer holds the prefix (either spelling removes it); only b: deny');
  store.apply({ ipsetDeltaUpdate: { id: 'a', removedMembers: ['10.0.0.7/24'] } });
  t.equal(code(), 7, 'removing it again changes nothing');
  store.apply({ ipsetDeltaUpdate: { id: 'a', addedMembers: ['10.0.0.9/24'] } });
  t.equal(code(), 0, 'added back in another spelling');
  store.apply({ ipsetDeltaUpdate: { id: 'a', removedMembers: ['10.0.0.0/24'] } });
  t.equal(code(), 7, 'removed in the canonical spelling');
  store.apply(ipset('b', 'NET', []));
  t.equal(code(), 7, 'no rule matches: end of tier');
  store.apply(ipset('a', 'NET', ['10.0.0.1/32']));
  t.equal(code(), 0);
});
