// FelixFromResources: resources in, incremental updates out; bad input rejected whole.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FelixFromResources } from '../src/runtime';
import { describe, sleep, syncClient, tempDir } from './helpers';

const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'shop');

const ALLOW_POST = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: backend-api, namespace: shop}
spec:
  selector: app == 'backend'
  ingress:
    - action: Allow
      source: {selector: app == 'frontend'}
      http: {methods: [GET, POST]}
`;

const INVALID = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: backend-api, namespace: shop}
spec:
  selector: app == 'backend'
  ingress:
    - action: Permit
`;

t.test('apply, reject, delete over a live Sync stream', async (t) => {
  const felix = await FelixFromResources.fromFiles([FIXTURE], { compat: '3.2' }); // 2018 Felix: no updates for label-less SAs
  const dir = tempDir();
  t.teardown(async () => {
    await felix.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const socket = path.join(dir, 'felix.sock');
  await felix.listenWorkload('shop/backend', socket);
  const c = syncClient(socket);
  t.teardown(() => c.close());
  const join = await c.waitForCount(8);
  t.same(join.map(describe).slice(-4), ['workloadEndpointUpdate:shop/backend', 'serviceAccountUpdate:frontend@shop', 'namespaceUpdate:shop', 'inSync']);

  felix.applyText(ALLOW_POST, 'edit.yaml');
  const [update] = (await c.waitForCount(9)).slice(8);
  t.equal(describe(update), 'activePolicyUpdate:shop/default.backend-api');
  t.same(update.activePolicyUpdate!.policy!.inboundRules![0].httpMatch!.methods, ['GET', 'POST']);

  const before = felix.state;
  t.throws(() => felix.applyText(INVALID, 'bad.yaml'), /bad\.yaml:7:\d+: .*spec\.ingress\[0\]\.action/);
  t.equal(felix.state, before, 'the last good state keeps serving');
  await sleep(100);
  t.equal(c.messages.length, 9, 'nothing sent for a rejected change');

  t.throws(() => felix.delete([{ kind: 'NetworkPolicy', namespace: 'shop', name: 'no-such' }]), /not found/);
  felix.delete([{ kind: 'NetworkPolicy', namespace: 'shop', name: 'backend-api' }]);
  const after = (await c.waitForCount(12)).slice(9).map(describe);
  t.same(after, ['workloadEndpointUpdate:shop/backend', 'activePolicyRemove:shop/default.backend-api', `ipsetRemove:${join[0].ipsetUpdate!.id}`]);
});
