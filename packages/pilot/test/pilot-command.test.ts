import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import t from 'tap';
import { pilotConfigFromResources, registerPilotCommands } from '../src/index';
import { parseResources } from '@alpsim/calico';
import { tempDir } from './helpers';

const YAML = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: customer, namespace: yaobank}
spec:
  replicas: 1
  selector: {matchLabels: {app: customer}}
  template:
    metadata: {labels: {app: customer}}
    spec:
      serviceAccountName: customer
      containers: [{name: c, image: customer, ports: [{containerPort: 80, name: http}]}]
---
apiVersion: v1
kind: Pod
metadata:
  name: database
  namespace: yaobank
  labels: {app: database}
  annotations: {alpsim.io/ip: 10.8.0.9}
spec:
  serviceAccountName: database
  containers: [{name: etcd, image: etcd, ports: [{containerPort: 2379}]}]
---
apiVersion: v1
kind: Pod
metadata:
  name: attack
  namespace: yaobank
  labels: {app: attack}
  annotations: {sidecar.istio.io/inject: "false"}
spec:
  containers: [{name: a, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: database, namespace: yaobank}
spec:
  selector: {app: database}
  ports: [{name: http-etcd, port: 2379}]
---
apiVersion: v1
kind: Service
metadata: {name: customer, namespace: yaobank}
spec:
  clusterIP: 10.96.0.1
  selector: {app: customer}
  ports: [{name: http, port: 80}]
`;

async function run(args: string[]): Promise<string> {
  const program = new Command('alpsim').exitOverride();
  registerPilotCommands(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['pilot', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

t.test('pilotConfigFromResources: pods of controllers, sidecar annotation, cluster IPs', async (t) => {
  const { workloads, services } = pilotConfigFromResources(parseResources(YAML, 'yaobank.yaml'));
  t.same(workloads.map((w) => [w.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, '-*'), w.serviceAccount, w.sidecar]), [
    ['customer-*', 'customer', true],
    ['database', 'database', true],
    ['attack', 'default', false],
  ]);
  t.equal(workloads[1].ip, '10.8.0.9');
  t.same(services.map((s) => [s.name, s.clusterIP]), [['customer', '10.96.0.1'], ['database', '10.96.0.2']], 'missing clusterIP allocated, skipping used ones');
});

t.test('alpsim pilot prints what Envoy would get; errors name the fix', async (t) => {
  const file = path.join(tempDir(t), 'yaobank.yaml');
  fs.writeFileSync(file, YAML);
  const lds = JSON.parse(await run([file, '--node', 'yaobank/database'])) as { listeners: { name: string }[] };
  t.same(lds.listeners.map((l) => l.name), ['virtual', 'http_0.0.0.0_2379', 'http_0.0.0.0_80', 'http_10.8.0.9_2379'], 'sorted by address bytes, as Go sorts strings');
  const cds = JSON.parse(await run([file, '--node', 'yaobank/database', '--xds', 'cds'])) as { clusters: { name: string }[] };
  t.ok(cds.clusters.some((c) => c.name === 'in.2379'));
  const rds = JSON.parse(await run([file, '--node', 'yaobank/database', '--xds', 'rds', '--route', '80'])) as { virtual_hosts: { name: string }[] };
  t.same(rds.virtual_hosts.map((v) => v.name), ['customer.yaobank.svc.cluster.local|http']);
  const sds = JSON.parse(await run([file, '--xds', 'sds', '--service-key', 'database.yaobank.svc.cluster.local|http-etcd']));
  t.same(sds, { hosts: [{ ip_address: '10.8.0.9', port: 2379 }] });
  await t.rejects(run([file]), /--xds lds needs --node <namespace>\/<pod> \(sidecars: sidecar~/);
  await t.rejects(run([file, '--node', 'yaobank/attack']), /the pod has no sidecar/, 'no sidecar, no node');
  await t.rejects(run([file, '--node', 'yaobank/database', '--xds', 'eds']), /--xds: expected lds, cds, rds or sds/);
  await t.rejects(run([file, '--node', 'x']), /--node: expected <namespace>\/<pod>/);
});
