// The processor's per-client streams: join order, filtering, deltas, splitting, removes (spec §2.5–§2.8).
import t from 'tap';
import type { ToDataplane } from '@alpsim/proto';
import { MAX_MEMBERS_PER_MESSAGE } from '../src/messages';
import { joinSequence, PolicySyncProcessor } from '../src/processor';
import { describe, ipSet, pod, policy, profile, state, type StateSpec } from './helpers';

function collector() {
  const messages: ToDataplane[] = [];
  let ended = false;
  return {
    messages,
    get ended() {
      return ended;
    },
    sink: { send: (m: ToDataplane) => messages.push(m), end: () => (ended = true) },
    take(): string[] {
      return messages.splice(0).map(describe);
    },
  };
}

/** A processor holding `spec`, with clients joined for `keys` and their join sequences drained. */
function joined(spec: StateSpec, ...keys: string[]) {
  const p = new PolicySyncProcessor();
  p.setState(state(spec));
  const clients = keys.map((key) => {
    const c = collector();
    p.join(key, c.sink);
    c.take();
    return c;
  });
  return { p, clients };
}

const base: StateSpec = {
  ipSets: [ipSet('s:front', ['10.0.1.1/32', '10.0.1.2/32']), ipSet('s:other', ['10.0.9.9/32']), ipSet('s:db', ['10.0.3.1/32'])],
  policies: [policy('default.allow-front', ['s:front']), policy('default.unrelated', ['s:other']), policy('default.db-egress', ['s:db'])],
  profiles: [profile('kns.shop'), profile('ksa.shop.api'), profile('kns.other')],
  pods: [
    pod({ key: 'shop/api', ip: '10.0.2.1', policies: ['default.allow-front'], egress: ['default.db-egress'], profiles: ['kns.shop', 'ksa.shop.api'] }),
    pod({ key: 'other/x', ip: '10.0.9.1', policies: ['default.unrelated'], profiles: ['kns.other'] }),
  ],
  serviceAccounts: [{ ns: 'shop', name: 'api', labels: { app: 'api' } }, { ns: 'other', name: 'default' }],
  namespaces: [{ name: 'shop', labels: { team: 'a' } }, { name: 'other' }],
};

t.test('join: IP sets, policies (tier order, ingress then egress extras), profiles, WEP, SAs, namespaces, InSync', async (t) => {
  t.same(joinSequence(state(base), 'shop/api').map(describe), [
    'ipsetUpdate:s:front',
    'ipsetUpdate:s:db',
    'activePolicyUpdate:default.allow-front',
    'activePolicyUpdate:default.db-egress',
    'activeProfileUpdate:kns.shop',
    'activeProfileUpdate:ksa.shop.api',
    'workloadEndpointUpdate:shop/api',
    'serviceAccountUpdate:api@shop',
    'serviceAccountUpdate:default@other',
    'namespaceUpdate:shop',
    'namespaceUpdate:other',
    'inSync',
  ]);
  const messages = joinSequence(state(base), 'shop/api');
  t.same(messages[0].ipsetUpdate?.members, ['10.0.1.1/32', '10.0.1.2/32'], 'full membership, sorted');
  t.same(messages[7].serviceAccountUpdate, { id: { namespace: 'shop', name: 'api' }, labels: { app: 'api' } });
});

t.test('join before the endpoint is known: SAs, namespaces, InSync, no WEP; the WEP follows later', async (t) => {
  const p = new PolicySyncProcessor();
  const c = collector();
  p.join('shop/api', c.sink);
  t.same(c.take(), [], 'nothing before the first snapshot (Felix not in sync yet)');
  const noPod = { ...base, pods: base.pods!.filter((w) => w.key !== 'shop/api') };
  p.setState(state(noPod));
  t.same(c.take(), ['serviceAccountUpdate:api@shop', 'serviceAccountUpdate:default@other', 'namespaceUpdate:shop', 'namespaceUpdate:other', 'inSync']);
  p.setState(state(base));
  t.same(c.take(), [
    'ipsetUpdate:s:front',
    'ipsetUpdate:s:db',
    'activePolicyUpdate:default.allow-front',
    'activePolicyUpdate:default.db-egress',
    'activeProfileUpdate:kns.shop',
    'activeProfileUpdate:ksa.shop.api',
    'workloadEndpointUpdate:shop/api',
  ]);
  const late = collector();
  p.join('other/x', late.sink);
  t.same(late.take().slice(0, 4), ['ipsetUpdate:s:other', 'activePolicyUpdate:default.unrelated', 'activeProfileUpdate:kns.other', 'workloadEndpointUpdate:other/x']);
});

t.test('filtering: only what the endpoint uses; SA and namespace changes go to everyone', async (t) => {
  const p = new PolicySyncProcessor();
  p.setState(state(base));
  const api = collector();
  const x = collector();
  p.join('shop/api', api.sink);
  p.join('other/x', x.sink);
  api.take();
  x.take();
  // A change to a policy only other/x uses.
  p.setState(state({ ...base, policies: [policy('default.allow-front', ['s:front']), policy('default.unrelated', ['s:other'], { action: 'deny' }), policy('default.db-egress', ['s:db'])] }));
  t.same(api.take(), [], 'shop/api does not get a policy it does not use');
  t.same(x.take(), ['activePolicyUpdate:default.unrelated']);
  // Namespace label change: broadcast.
  p.setState(state({ ...base, namespaces: [{ name: 'shop', labels: { team: 'b' } }, { name: 'other' }] }));
  t.same(api.take(), ['namespaceUpdate:shop']);
  t.same(x.take(), ['activePolicyUpdate:default.unrelated', 'namespaceUpdate:shop'], 'its policy is back to allow, and the broadcast');
  // SA removed: broadcast remove.
  p.setState(state({ ...base, serviceAccounts: [{ ns: 'shop', name: 'api', labels: { app: 'api' } }] }));
  t.same(api.take(), ['serviceAccountRemove:default@other', 'namespaceUpdate:shop'], 'service accounts flush before namespaces');
  t.same(x.take(), ['serviceAccountRemove:default@other', 'namespaceUpdate:shop']);
});

t.test('IP sets: full on first send, deltas later, never a delta for an unsent set', async (t) => {
  const { p, clients: [api] } = joined(base, 'shop/api');
  const next = { ...base, ipSets: [ipSet('s:front', ['10.0.1.2/32', '10.0.1.3/32']), ipSet('s:other', ['10.0.9.9/32', '10.0.9.8/32']), ipSet('s:db', ['10.0.3.1/32'])] };
  p.setState(state(next));
  const messages = api.messages.splice(0);
  t.same(messages.map(describe), ['ipsetDeltaUpdate:s:front'], 's:other changed too, but shop/api never received it');
  t.same(messages[0].ipsetDeltaUpdate, { id: 's:front', addedMembers: ['10.0.1.3/32'], removedMembers: ['10.0.1.1/32'] });
});

t.test('a policy switching IP sets: new set before the policy, remove after it', async (t) => {
  const { p, clients: [api] } = joined(base, 'shop/api');
  const next = {
    ...base,
    ipSets: [...base.ipSets!.filter((s) => s.id !== 's:front'), ipSet('s:front2', ['10.0.1.7/32'])],
    policies: [policy('default.allow-front', ['s:front2']), policy('default.unrelated', ['s:other']), policy('default.db-egress', ['s:db'])],
  };
  p.setState(state(next));
  t.same(api.take(), ['ipsetUpdate:s:front2', 'activePolicyUpdate:default.allow-front', 'ipsetRemove:s:front']);
});

t.test('endpoint losing a policy: WEP update first, then policy remove, then IP-set remove', async (t) => {
  const { p, clients: [api] } = joined(base, 'shop/api');
  const next = {
    ...base,
    ipSets: base.ipSets!.filter((s) => s.id !== 's:db'),
    policies: base.policies!.filter((x) => x.id.name !== 'default.db-egress'),
    pods: [pod({ key: 'shop/api', ip: '10.0.2.1', policies: ['default.allow-front'], profiles: ['kns.shop'] }), base.pods![1]],
  };
  p.setState(state(next));
  t.same(api.take(), ['workloadEndpointUpdate:shop/api', 'activePolicyRemove:default.db-egress', 'activeProfileRemove:ksa.shop.api', 'ipsetRemove:s:db']);
});

t.test('endpoint gaining a policy: set, policy, WEP', async (t) => {
  const { p, clients: [x] } = joined(base, 'other/x');
  const next = { ...base, pods: [base.pods![0], pod({ key: 'other/x', ip: '10.0.9.1', policies: ['default.unrelated', 'default.allow-front'], profiles: ['kns.other'] })] };
  p.setState(state(next));
  t.same(x.take(), ['ipsetUpdate:s:front', 'activePolicyUpdate:default.allow-front', 'workloadEndpointUpdate:other/x']);
});

t.test('workload removal: WorkloadEndpointRemove, then the stream ends', async (t) => {
  const { p, clients: [x] } = joined(base, 'other/x');
  p.setState(state({ ...base, pods: [base.pods![0]] }));
  t.same(x.take(), ['workloadEndpointRemove:other/x']);
  t.ok(x.ended);
  t.same(p.connectedWorkloads(), []);
});

t.test('a second join for the same workload ends the first and gets a full snapshot', async (t) => {
  const p = new PolicySyncProcessor();
  p.setState(state(base));
  const first = collector();
  const firstConn = p.join('shop/api', first.sink);
  const second = collector();
  p.join('shop/api', second.sink);
  t.ok(first.ended);
  t.equal(second.messages.length, first.messages.length);
  p.leave(firstConn); // a stale leave from the old stream must not drop the new one
  t.same(p.connectedWorkloads(), ['shop/api']);
});

t.test('splitting at 82 200 members: full update then delta continuations; large deltas split', async (t) => {
  const members = Array.from({ length: 2 * MAX_MEMBERS_PER_MESSAGE + 5 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
  const big = ipSet('s:big', members);
  const spec: StateSpec = { ipSets: [big], policies: [policy('default.big', ['s:big'])], pods: [pod({ key: 'ns/a', ip: '192.168.0.1', policies: ['default.big'], profiles: [] })] };
  const p = new PolicySyncProcessor();
  p.setState(state(spec));
  const c = collector();
  p.join('ns/a', c.sink);
  const join = c.messages.splice(0);
  t.same(join.slice(0, 3).map(describe), ['ipsetUpdate:s:big', 'ipsetDeltaUpdate:s:big', 'ipsetDeltaUpdate:s:big']);
  t.equal(join[0].ipsetUpdate!.members!.length, MAX_MEMBERS_PER_MESSAGE);
  t.equal(join[1].ipsetDeltaUpdate!.addedMembers!.length, MAX_MEMBERS_PER_MESSAGE);
  t.equal(join[2].ipsetDeltaUpdate!.addedMembers!.length, 5);
  t.equal(describe(join[3]), 'activePolicyUpdate:default.big');
  const all = new Set([...join[0].ipsetUpdate!.members!, ...join[1].ipsetDeltaUpdate!.addedMembers!, ...join[2].ipsetDeltaUpdate!.addedMembers!]);
  t.equal(all.size, members.length, 'every member sent exactly once');

  // A delta adding 82 200 + 10 members and removing 50: adds fill message 1, message 2 carries
  // the remaining adds plus the removes.
  const added = Array.from({ length: MAX_MEMBERS_PER_MESSAGE + 10 }, (_, i) => `172.16.${(i >> 8) & 255}.${i & 255}/32`).map((m, i) => (i >= 65536 ? m.replace('172.16', '172.17') : m));
  const after = new Set([...members.slice(50), ...added]);
  p.setState(state({ ...spec, ipSets: [ipSet('s:big', after)] }));
  const delta = c.messages.splice(0);
  t.same(delta.map(describe), ['ipsetDeltaUpdate:s:big', 'ipsetDeltaUpdate:s:big']);
  t.equal(delta[0].ipsetDeltaUpdate!.addedMembers!.length, MAX_MEMBERS_PER_MESSAGE);
  t.equal(delta[0].ipsetDeltaUpdate!.removedMembers!.length, 0);
  t.equal(delta[1].ipsetDeltaUpdate!.addedMembers!.length, 10);
  t.equal(delta[1].ipsetDeltaUpdate!.removedMembers!.length, 50);
});

t.test('profiles: updates reach the endpoints using them', async (t) => {
  const { p, clients: [api] } = joined(base, 'shop/api');
  p.setState(state({ ...base, ipSets: [...base.ipSets!, ipSet('s:prof', ['10.1.1.1/32'])], profiles: [profile('kns.shop', ['s:prof']), profile('ksa.shop.api'), profile('kns.other')] }));
  t.same(api.take(), ['ipsetUpdate:s:prof', 'activeProfileUpdate:kns.shop']);
});

t.test('an unchanged snapshot sends nothing', async (t) => {
  const { p, clients: [api] } = joined(base, 'shop/api');
  p.setState(state(base));
  t.same(api.take(), []);
});
