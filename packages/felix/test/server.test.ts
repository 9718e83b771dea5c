// FelixServer over real gRPC on real Unix sockets.
import t from 'tap';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ToDataplaneType } from '@alpsim/proto';
import { FelixServer, type ClientEvent } from '../src/server';
import { describe, ipSet, pod, policy, profile, sleep, state, syncClient, tempDir, type StateSpec } from './helpers';

const base: StateSpec = {
  ipSets: [ipSet('s:front', ['10.0.1.1/32'])],
  policies: [policy('default.allow-front', ['s:front'])],
  profiles: [profile('kns.shop')],
  pods: [pod({ key: 'shop/api', ip: '10.0.2.1', policies: ['default.allow-front'], profiles: ['kns.shop'] }), pod({ key: 'shop/web', ip: '10.0.2.2', profiles: ['kns.shop'] })],
  namespaces: [{ name: 'shop' }],
};
const JOIN = ['ipsetUpdate:s:front', 'activePolicyUpdate:default.allow-front', 'activeProfileUpdate:kns.shop', 'workloadEndpointUpdate:shop/api', 'namespaceUpdate:shop', 'inSync'];

async function startFelix(t: { teardown(fn: () => unknown): void }, options: ConstructorParameters<typeof FelixServer>[0] = {}) {
  const dir = tempDir();
  const felix = new FelixServer(options);
  t.teardown(async () => {
    await felix.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { felix, dir };
}

t.test('a client on a workload socket gets the join sequence; the request does not name the workload', async (t) => {
  const { felix, dir } = await startFelix(t);
  felix.setState(state(base));
  const socket = path.join(dir, 'api.sock');
  await felix.listenWorkload('shop/api', socket);
  const c = syncClient(socket);
  t.teardown(() => c.close());
  t.same((await c.waitForCount(JOIN.length)).map(describe), JOIN);
});

t.test('absolute-path :authority (what a real Go Dikastes sends for -d /abs/path) is accepted', async (t) => {
  const lines: string[] = [];
  const { felix, dir } = await startFelix(t, { log: (l) => lines.push(l) });
  felix.setState(state(base));
  const socket = path.join(dir, 'socket');
  await felix.listenWorkload('shop/api', socket);
  const c = syncClient(socket, { 'grpc.default_authority': socket });
  t.teardown(() => c.close());
  t.same((await c.waitForCount(JOIN.length)).map(describe), JOIN);
  t.ok(lines.some((l) => l.includes(`(:authority ${socket} accepted as localhost)`)), 'the join log names the original authority');

  // The same through a raw node:http2 client, sending the header block exactly as we choose.
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
  t.teardown(() => session.close());
  const stream = session.request({
    ':method': 'POST',
    ':path': '/felix.PolicySync/Sync',
    ':authority': '/var/run/felix/nodeagent/socket',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.end(Buffer.from([0, 0, 0, 0, 0])); // one empty, uncompressed SyncRequest
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  const status = await new Promise<number>((resolve) => stream.on('response', (h) => resolve(Number(h[':status']))));
  t.equal(status, 200);
  await sleep(200);
  const body = Buffer.concat(chunks);
  const first = ToDataplaneType.decode(body.subarray(5, 5 + body.readUInt32BE(1)));
  t.equal(describe(first as never), 'ipsetUpdate:s:front', 'the first framed message decodes');
  stream.close();
});

t.test('without the rewriter, Node resets such a stream (why the rewriter exists)', async (t) => {
  const { felix, dir } = await startFelix(t, { acceptPathAuthority: false });
  felix.setState(state(base));
  const socket = path.join(dir, 'socket');
  await felix.listenWorkload('shop/api', socket);
  const bare = syncClient(socket, { 'grpc.default_authority': 'socket' });
  t.teardown(() => bare.close());
  t.equal((await bare.waitForCount(JOIN.length)).length, JOIN.length, 'a bare-name authority works (Dikastes run from the socket folder)');
  const c = syncClient(socket, { 'grpc.default_authority': socket });
  t.teardown(() => c.close());
  const status = await c.status;
  t.not(status.code, grpc.status.OK);
  t.equal(c.messages.length, 0);
});

t.test('a second connection for the same workload ends the first with OK and gets a full snapshot', async (t) => {
  const { felix, dir } = await startFelix(t);
  felix.setState(state(base));
  const socket = path.join(dir, 'socket');
  await felix.listenWorkload('shop/api', socket);
  const first = syncClient(socket);
  t.teardown(() => first.close());
  await first.waitForCount(JOIN.length);
  const second = syncClient(socket);
  t.teardown(() => second.close());
  t.same((await second.waitForCount(JOIN.length)).map(describe), JOIN);
  const status = await first.status;
  t.equal(status.code, grpc.status.OK);
  t.same(felix.connectedWorkloads(), ['shop/api']);
});

t.test('incremental updates, then workload removal: remove then stream end OK', async (t) => {
  const { felix, dir } = await startFelix(t);
  felix.setState(state(base));
  const socket = path.join(dir, 'socket');
  await felix.listenWorkload('shop/api', socket);
  const c = syncClient(socket);
  t.teardown(() => c.close());
  await c.waitForCount(JOIN.length);
  felix.setState(state({ ...base, ipSets: [ipSet('s:front', ['10.0.1.1/32', '10.0.1.9/32'])] }));
  const afterDelta = await c.waitForCount(JOIN.length + 1);
  t.same(afterDelta[JOIN.length].ipsetDeltaUpdate, { id: 's:front', addedMembers: ['10.0.1.9/32'], removedMembers: [] });
  felix.setState(state({ ...base, pods: base.pods!.filter((p) => p.key !== 'shop/api') }));
  const status = await c.status;
  t.equal(status.code, grpc.status.OK);
  t.equal(describe(c.messages[c.messages.length - 1]), 'workloadEndpointRemove:shop/api');
});

t.test('a stalled client is cut off with RESOURCE_EXHAUSTED and does not hold up the others', async (t) => {
  const ended: ClientEvent[] = [];
  const { felix, dir } = await startFelix(t, { maxBufferedMessages: 20, log: (l) => process.env.FELIX_DEBUG && console.error(l) });
  felix.onClientEnd((e) => ended.push(e));
  felix.setState(state(base));
  const apiSocket = path.join(dir, 'api');
  const webSocket = path.join(dir, 'web');
  await felix.listenWorkload('shop/api', apiSocket);
  await felix.listenWorkload('shop/web', webSocket);
  const web = { ...base, profiles: [profile('kns.shop', ['s:front'])] };
  felix.setState(state(web));
  const stalled = syncClient(apiSocket);
  const healthy = syncClient(webSocket);
  t.teardown(() => {
    stalled.close();
    healthy.close();
  });
  await stalled.waitForCount(JOIN.length);
  const healthyJoin = (await healthy.waitForCount(5)).length;
  stalled.call.pause(); // stops reading: HTTP/2 flow control soon blocks the server's writes

  // 200 updates, each replacing 300 members (~9 kB per delta message).
  let members: string[] = [];
  for (let round = 0; round < 200; round++) {
    members = Array.from({ length: 300 }, (_, i) => `10.${round & 255}.${i >> 8}.${i & 255}/32`);
    felix.setState(state({ ...web, ipSets: [ipSet('s:front', members)] }));
    // The healthy client reads each update before the next one (however loaded the machine is).
    await healthy.waitForCount(healthyJoin + round + 1, 20000);
  }
  t.pass('the healthy client received all 200 deltas, one by one, while the other stalled');
  t.ok(ended.some((e) => e.workloadKey === 'shop/api' && e.reason === 'overflow'), 'the stalled client was dropped');
  t.notOk(felix.connectedWorkloads().includes('shop/api'));
  stalled.call.resume();
  const status = await stalled.status;
  t.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
  t.match(status.details, /too slow/);

  // It reconnects and gets a fresh snapshot with the current members.
  const again = syncClient(apiSocket);
  t.teardown(() => again.close());
  const snapshot = await again.waitForCount(JOIN.length);
  t.same(snapshot[0].ipsetUpdate?.members, [...members].sort());
});

t.test('binder layout: creds files make sockets appear and disappear', async (t) => {
  const { felix, dir } = await startFelix(t);
  felix.setState(state(base));
  const binder = await felix.listenBinder(dir, { pollIntervalMs: 20 });
  fs.mkdirSync(path.join(dir, 'creds'), { recursive: true });
  const creds = { UID: '1b2c-uid', Workload: 'api', Namespace: 'shop', ServiceAccount: 'api' };
  fs.writeFileSync(path.join(dir, 'creds', 'tmp'), JSON.stringify(creds));
  fs.renameSync(path.join(dir, 'creds', 'tmp'), path.join(dir, 'creds', '1b2c-uid.json'));
  fs.writeFileSync(path.join(dir, 'creds', 'broken.json'), '{"UID": 1');
  await binder.rescan();
  const socket = path.join(dir, 'mount', '1b2c-uid', 'socket');
  t.ok(fs.lstatSync(socket).isSocket(), 'socket at <prefix>/mount/<uid>/socket');
  t.same(binder.workloads().map((w) => w.workloadKey), ['shop/api'], 'an invalid creds file is ignored');
  const c = syncClient(socket, { 'grpc.default_authority': '/var/run/felix/nodeagent/socket' });
  t.teardown(() => c.close());
  t.same((await c.waitForCount(JOIN.length)).map(describe), JOIN);

  fs.unlinkSync(path.join(dir, 'creds', '1b2c-uid.json'));
  await binder.rescan();
  t.same(binder.workloads(), []);
  t.notOk(fs.existsSync(socket), 'socket closed and removed');
});
