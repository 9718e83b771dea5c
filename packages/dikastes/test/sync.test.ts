// Policy-sync lifecycle against a fake Felix (spec §1.4, §2.2, §9 items 1-4).
import t from 'tap';
import { FakeFelix, encodeToDataplane, once, waitFor } from './helpers/fake-felix';
import { endpoint, inSync, ipset, policy, profile, request } from './helpers/build';
import { startHarness } from './helpers/harness';

const allowAll = [profile('allow', [{ action: 'allow' }]), endpoint({ profiles: ['allow'] })];
const denyAll = [profile('deny', [{ action: 'deny' }]), endpoint({ profiles: ['deny'] })];

t.test('UNAVAILABLE until the first InSync, then the store is live; later updates apply in place', async (t) => {
  const h = await startHarness(t, { felixScript: allowAll });
  await h.felix.nextStream();
  t.equal(await h.check(request()), 14);
  t.equal(h.dikastes.activeStore(), null);
  const live = once(h.dikastes, 'insync');
  h.felix.send(inSync);
  await live;
  t.equal(await h.check(request()), 0);
  h.felix.send(profile('allow', [{ action: 'deny' }]));
  await waitFor(() => h.dikastes.activeStore()!.profiles.get('allow')!.inboundRules[0].action === 'deny');
  t.equal(await h.check(request()), 7, 'update after InSync applied in place');
});

t.test('InSync with no endpoint denies (§9 item 1)', async (t) => {
  const h = await startHarness(t, { felixScript: [inSync] });
  await once(h.dikastes, 'insync');
  t.equal(await h.check(request()), 7);
});

t.test('SyncRequest is empty and Felix may live in any folder', async (t) => {
  const h = await startHarness(t, { felixScript: [...allowAll, inSync] });
  await once(h.dikastes, 'insync');
  t.match(h.felix.socketPath, /felix\.sock$/);
  t.same(Object.keys(h.felix.requests[0]), [], 'SyncRequest carries no fields');
  t.equal(await h.check(request()), 0);
});

t.test('on stream end the old store keeps serving; the next InSync swaps in a fresh store', async (t) => {
  const h = await startHarness(t, { felixScript: [...allowAll, ipset('stale', 'IP', ['1.1.1.1']), inSync] });
  await once(h.dikastes, 'insync');
  const first = h.dikastes.activeStore();
  t.equal(await h.check(request()), 0);
  // Next connection: deny-all, but hold back InSync.
  h.felix.script = denyAll;
  const reconnected = h.felix.nextStream();
  h.felix.endStreams();
  await reconnected;
  t.equal(await h.check(request()), 0, 'still the old store while the new stream is not in sync');
  t.equal(h.dikastes.activeStore(), first);
  t.equal(await h.readiness(), true, 'readiness stays true when a stream breaks');
  const live = once(h.dikastes, 'insync');
  h.felix.send(inSync);
  await live;
  t.not(h.dikastes.activeStore(), first, 'a fresh store');
  t.notOk(h.dikastes.activeStore()!.ipSets.has('stale'), 'nothing from the old stream survives');
  t.equal(await h.check(request()), 7);
});

t.test('updates of a stream that never reaches InSync are discarded', async (t) => {
  const h = await startHarness(t, { felixScript: [...allowAll, inSync] });
  await once(h.dikastes, 'insync');
  h.felix.script = denyAll;
  const s = h.felix.nextStream();
  h.felix.endStreams();
  await s;
  h.felix.script = [...allowAll, inSync];
  const live = once(h.dikastes, 'insync');
  h.felix.endStreams();
  await live;
  t.equal(await h.check(request()), 0);
});

t.test('reconnects after 500 ms by default; Felix absent at start is retried', async (t) => {
  const h = await startHarness(t, { startFelix: false, retryMs: undefined });
  // Felix comes up late: the loop keeps retrying every 500 ms.
  await new Promise((r) => setTimeout(r, 700));
  t.equal(await h.check(request()), 14);
  t.equal(await h.readiness(), false);
  h.felix.script = [...allowAll, inSync];
  const live = once(h.dikastes, 'insync', 3000);
  await h.felix.listen();
  await live;
  t.equal(await h.check(request()), 0);
  // Stream end -> next attempt about 500 ms later.
  const ended = Date.now();
  const next = h.felix.nextStream();
  h.felix.endStreams();
  await next;
  const gap = Date.now() - ended;
  t.ok(gap >= 450 && gap < 3000, `reconnected after ${gap} ms`);
});

t.test('readiness drops when a later Sync fails to start (Felix gone)', async (t) => {
  const h = await startHarness(t, { felixScript: [...allowAll, inSync] });
  await once(h.dikastes, 'insync');
  t.equal(await h.readiness(), true);
  await h.felix.close();
  await waitFor(() => !h.dikastes.ready, 3000, 'readiness false');
  t.equal(await h.readiness(), false);
  t.equal(await h.check(request()), 0, 'the last live store keeps answering');
  // A new Felix on the same path: back in sync.
  const felix2 = new FakeFelix(h.felix.socketPath);
  felix2.script = [...denyAll, inSync];
  t.teardown(() => felix2.close());
  const live = once(h.dikastes, 'insync', 3000);
  await felix2.listen();
  await live;
  t.equal(await h.readiness(), true);
  t.equal(await h.check(request()), 7);
});

t.test('bad updates are logged and skipped; the server keeps serving (§9 item 4)', async (t) => {
  const h = await startHarness(t, { felixScript: [...allowAll, ipset('n', 'NET', ['10.0.0.0/8']), inSync] });
  await once(h.dikastes, 'insync');
  const errors: string[] = [];
  h.dikastes.on('update-error', (e: string) => errors.push(e));
  // A payload field number our proto does not know (e.g. a newer Felix's RouteUpdate = 23).
  const unknownField = Buffer.from([0xba, 0x01, 0x00]); // field 23, length-delimited, empty
  h.felix.sendRaw(unknownField);
  h.felix.send({ configUpdate: { config: { x: 'y' } } });
  h.felix.send({ ipsetDeltaUpdate: { id: 'nope', addedMembers: ['1.1.1.1/32'] } });
  h.felix.send({ ipsetDeltaUpdate: { id: 'n', addedMembers: ['10.1.1.1', '11.0.0.0/8'] } });
  h.felix.send({ activePolicyUpdate: { policy: { inboundRules: [{ action: 'deny' }] } } });
  h.felix.send({ activeProfileRemove: {} });
  h.felix.send({ serviceAccountUpdate: { labels: { a: 'b' } } });
  h.felix.send({ namespaceRemove: {} });
  h.felix.send(inSync);
  h.felix.sendRaw(encodeToDataplane({ hostMetadataUpdate: { hostname: 'h' } }));
  await waitFor(() => errors.length >= 10, 3000, 'ten update errors');
  t.equal(errors.length, 10);
  t.match(errors[0], /no payload/);
  t.match(errors[1], /configUpdate/);
  t.match(errors[2], /unknown IP set "nope"/);
  t.match(errors[3], /no prefix length/);
  t.match(errors[8], /second InSync/);
  t.ok(h.logs.filter((l) => l.includes('level=error')).length >= 10, 'each one logged at error level');
  const set = h.dikastes.activeStore()!.ipSets.get('n')!;
  t.ok(set.members.has('11.0.0.0/8'), 'good member of the bad delta applied');
  t.notOk(set.members.has('10.1.1.1'));
  t.equal(await h.check(request()), 0, 'still serving the same store');
  t.equal(h.felix.connections, 1, 'stream never dropped');
});
