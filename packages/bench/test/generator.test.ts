import t from 'tap';
import { CALICO_SCALE_SHAPE, generateCalicoResources, generateStore, SeededRandom, shapeForRuleCount } from '../src/index';

t.test('the PRNG is seeded and deterministic', async (t) => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const seqA = Array.from({ length: 20 }, () => a.next());
  t.same(Array.from({ length: 20 }, () => b.next()), seqA);
  t.not(JSON.stringify(Array.from({ length: 20 }, () => c.next())), JSON.stringify(seqA));
  t.ok(seqA.every((x) => x >= 0 && x < 1));
});

t.test('same shape and seed give the identical ToDataplane stream and requests', async (t) => {
  const shape = shapeForRuleCount(1000);
  const one = generateStore(shape, 11);
  const two = generateStore(shape, 11);
  const other = generateStore(shape, 12);
  t.equal(JSON.stringify(one.messages), JSON.stringify(two.messages));
  t.equal(JSON.stringify(one.requests), JSON.stringify(two.requests));
  t.not(JSON.stringify(one.messages), JSON.stringify(other.messages), 'another seed gives another store');
});

t.test('the stream follows Felix join order and ends with InSync', async (t) => {
  const store = generateStore(shapeForRuleCount(100), 1);
  const kinds = store.messages.map((m) => Object.keys(m)[0]);
  const firstPolicy = kinds.indexOf('activePolicyUpdate');
  const lastIpSet = kinds.lastIndexOf('ipsetUpdate');
  t.ok(lastIpSet < firstPolicy, 'IP sets before the policies that reference them');
  t.ok(kinds.lastIndexOf('activePolicyUpdate') < kinds.indexOf('activeProfileUpdate'));
  t.ok(kinds.lastIndexOf('activeProfileUpdate') < kinds.indexOf('workloadEndpointUpdate'));
  t.ok(kinds.indexOf('workloadEndpointUpdate') < kinds.indexOf('serviceAccountUpdate'));
  t.ok(kinds.lastIndexOf('serviceAccountUpdate') < kinds.indexOf('namespaceUpdate'));
  t.equal(kinds[kinds.length - 1], 'inSync');
  const wep = store.messages.find((m) => m.workloadEndpointUpdate)!.workloadEndpointUpdate!;
  t.equal(wep.id?.workloadId, store.workloadKey);
  const tierPolicies = wep.endpoint!.tiers![0].ingressPolicies!;
  const policyNames = store.messages.filter((m) => m.activePolicyUpdate).map((m) => m.activePolicyUpdate!.id!.name);
  t.same(tierPolicies, policyNames, 'the tier lists every policy, in order');
  // Every referenced IP set exists.
  const setIds = new Set(store.messages.filter((m) => m.ipsetUpdate).map((m) => m.ipsetUpdate!.id));
  for (const m of store.messages) {
    for (const rule of m.activePolicyUpdate?.policy?.inboundRules ?? []) {
      for (const id of rule.srcIpSetIds ?? []) t.ok(setIds.has(id), `set ${id} is defined`);
    }
  }
});

t.test("Calico's scale shape", async (t) => {
  const store = generateStore(CALICO_SCALE_SHAPE, 1);
  const s = store.stats;
  t.equal(s.policies, 294);
  t.equal(s.rules, 294 * 68);
  t.equal(s.actions.deny, 10);
  t.equal(s.actions.allow, 1);
  t.equal(s.actions['next-tier'], 294 * 68 - 11);
  t.equal(s.ipSets, 3708);
  t.ok(s.ipSetMembers > 250_000 && s.ipSetMembers < 260_000, `~256 000 members (${s.ipSetMembers})`);
  const fraction = s.rulesReferencingSets / s.rules;
  t.ok(fraction > 0.22 && fraction < 0.26, `~24 % of rules reference a set (${(fraction * 100).toFixed(1)} %)`);
  const sets = store.messages.filter((m) => m.ipsetUpdate);
  t.ok(sets.every((m) => m.ipsetUpdate!.type === 'NET' && m.ipsetUpdate!.members!.every((x) => /^10\.\d+\.\d+\.\d+\/(32|24)$/.test(x))));
  const kinds = new Set(store.requests.map((r) => r.kind));
  t.ok(kinds.has('traverse') && kinds.has('deny') && kinds.has('pass'), 'the request mix has all three kinds');
  t.ok(store.requests.filter((r) => r.kind === 'deny').every((r) => r.expectedCode === 7));
  t.ok(store.requests.filter((r) => r.kind !== 'deny').every((r) => r.expectedCode === 0));
});

t.test('scaling shapes', async (t) => {
  for (const n of [10, 100, 1000, 10000]) {
    const store = generateStore(shapeForRuleCount(n), 3);
    t.equal(store.stats.rules, n, `${n} rules`);
  }
  t.throws(() => shapeForRuleCount(1));
});

t.test('churn probe flips its verdict with every update', async (t) => {
  const store = generateStore({ ...shapeForRuleCount(10), churnProbe: true }, 5);
  const wep = store.messages.find((m) => m.workloadEndpointUpdate)!.workloadEndpointUpdate!;
  t.equal(wep.endpoint!.tiers![0].ingressPolicies![0], 'churn-probe', 'probe policy is first in the tier');
  t.equal(store.churn!.initialCode, 0);
  t.equal(store.churn!.update(1).expectedCode, 7);
  t.equal(store.churn!.update(1).message.activePolicyUpdate!.policy!.inboundRules![0].action, 'deny');
  t.equal(store.churn!.update(2).expectedCode, 0);
  t.equal(store.churn!.probeRequest.attributes!.request!.http!.method, 'PROBE');
});

t.test('Calico v3 resource generator is deterministic', async (t) => {
  const shape = { ...shapeForRuleCount(100), ipSets: 5, membersPerSet: 3 };
  const a = generateCalicoResources(shape, 9);
  const b = generateCalicoResources(shape, 9);
  t.equal(a.toYaml(), b.toYaml());
  const kinds = a.resources.map((r) => r.kind);
  t.equal(kinds.filter((k) => k === 'GlobalNetworkSet').length, 5);
  t.equal(kinds.filter((k) => k === 'GlobalNetworkPolicy' || k === 'NetworkPolicy').length, shape.policies);
  t.match(a.toYaml(), /apiVersion: projectcalico.org\/v3/);
});
