// `alpsim kind export` for every example scenario: each object validates offline (Kubernetes models,
// Calico CRDs, @alpsim/calico), every request is sent by exactly one Job from its source's identity,
// and the output is byte-for-byte stable (snapshots in packages/kind/tap-snapshots).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { loadScenarios, resolveScenario, type ResolvedScenario } from '@alpsim/scenario';
import { exportScenario, IP_SOURCES_NAMESPACE, type KindExport } from '../src/export';
import { exportFiles, writeExport } from '../src/write';
import { loadVersions } from '../src/versions';
import { REPO_ROOT, parseDocuments, validateObject } from './helpers/validate';

t.snapshotFile = path.resolve(__dirname, '..', '..', 'tap-snapshots', 'export.test.cjs');

const versions = loadVersions();
const scenarioFiles = fs
  .readdirSync(path.join(REPO_ROOT, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

async function resolveFile(file: string): Promise<ResolvedScenario[]> {
  const scenarios = await loadScenarios([path.join(REPO_ROOT, 'scenarios', file)]);
  return Promise.all(scenarios.map((s) => resolveScenario(s)));
}

async function resolveText(text: string): Promise<ResolvedScenario> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alpsim-kind-'));
  const file = path.join(dir, 'scenario.yaml');
  fs.writeFileSync(file, text);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [s] = await loadScenarios([file]);
  return resolveScenario(s);
}

function allObjects(exp: KindExport): Array<Record<string, any>> {
  return [...exp.baseFiles, ...exp.stepFiles].flatMap((f) => f.objects);
}

t.test('there are example scenarios to export', async (t) => {
  t.ok(scenarioFiles.includes('quickstart.yaml'));
});

for (const file of scenarioFiles) {
  t.test(`export of scenarios/${file}`, async (t) => {
    for (const resolved of await resolveFile(file)) {
      const exp = exportScenario(resolved, { versions });
      const files = exportFiles(exp);

      // Every object of every written file validates (re-parsed from the YAML text, as kubectl reads it).
      for (const f of files.filter((x) => x.name.endsWith('.yaml'))) {
        for (const obj of parseDocuments(f.text)) {
          t.same(validateObject(obj, `${resolved.scenario.name}/${f.name}`, resolved.scenario.compat), [], `${f.name}: ${obj.kind} ${obj.metadata?.name} is valid`);
        }
      }

      // Each request (initial and steps not behind an unreproduced fault) is sent by exactly one Job.
      const skipped = new Set(exp.plan.filter((a) => a.kind === 'skip').map((a) => a.step));
      const expected = [
        ...resolved.requests.map((r) => r.id),
        ...resolved.steps.filter((s) => s.kind === 'request' && !skipped.has(s.index)).map((s) => (s.kind === 'request' ? s.request.id : '')),
      ].sort();
      const sent = exp.plan.flatMap((a) => (a.kind === 'jobs' ? a.jobs.flatMap((j) => j.requestIds) : [])).sort();
      t.same(sent, expected, 'every request is sent exactly once');

      // The Job pods carry the source's identity: namespace, service account and labels.
      const jobs = allObjects(exp).filter((o) => o.kind === 'Job');
      for (const job of jobs) {
        const source = job.metadata.annotations['alpsim.io/source'] as string;
        const w = resolved.workloads.get(source);
        if (w) {
          t.equal(job.metadata.namespace, w.namespace, `${job.metadata.name}: namespace of ${source}`);
          t.equal(job.spec.template.spec.serviceAccountName, w.serviceAccount, `${job.metadata.name}: service account of ${source}`);
          t.same(job.spec.template.metadata.labels, w.labels, `${job.metadata.name}: labels of ${source}`);
          const a = job.spec.template.metadata.annotations;
          if (w.sidecar) t.equal(a['inject.istio.io/templates'], 'sidecar', `${job.metadata.name}: Istio sidecar without dikastes (the Job must complete)`);
          else t.equal(a['sidecar.istio.io/inject'], 'false', `${job.metadata.name}: no sidecar, like ${source}`);
        } else {
          t.equal(job.metadata.namespace, IP_SOURCES_NAMESPACE, `${job.metadata.name}: a bare IP source has no identity`);
          t.equal(job.spec.template.metadata.annotations['sidecar.istio.io/inject'], 'false');
        }
      }

      // Each workload: a Pod with its labels, service account and ports, and its own Service.
      const pods = allObjects(exp).filter((o) => o.kind === 'Pod');
      t.equal(pods.length, resolved.workloads.size);
      for (const w of resolved.workloads.values()) {
        const pod = pods.find((p) => p.metadata.namespace === w.namespace && p.metadata.name === w.name)!;
        t.ok(pod, `pod for ${w.key}`);
        t.match(pod.metadata.labels, w.labels);
        t.equal(pod.spec.serviceAccountName, w.serviceAccount);
        t.same(pod.spec.containers[0].ports.map((p: any) => p.containerPort), w.ports.map((p) => p.port));
        t.equal(pod.metadata.annotations['cni.projectcalico.org/ipAddrs'], JSON.stringify([w.ip]), `${w.key} keeps its scenario IP`);
        // Istio picks the protocol from the Service port name: it must match alpsim's listener kind.
        const service = allObjects(exp).find((o) => o.kind === 'Service' && o.metadata.namespace === w.namespace && o.spec.selector['alpsim.io/workload'] === w.name)!;
        for (const p of w.ports) {
          const kind = resolved.listeners.get(w.key)?.get(p.port);
          const portName = service.spec.ports.find((sp: any) => sp.port === p.port).name as string;
          if (kind === 'http') t.match(portName, /^(http|http2|grpc)(-|$)/, `${w.key}:${p.port} is HTTP on both sides`);
          if (kind === 'tcp') t.match(portName, /^tcp(-|$)/, `${w.key}:${p.port} is TCP on both sides`);
          if (kind === 'unchecked') t.match(portName, /^(mongo|redis)/, `${w.key}:${p.port} keeps its mongo/redis name`);
        }
      }
      for (const ns of allObjects(exp).filter((o) => o.kind === 'Namespace' && o.metadata.name !== IP_SOURCES_NAMESPACE)) {
        t.equal(ns.metadata.labels['istio-injection'], 'enabled', `namespace ${ns.metadata.name} labelled for injection`);
      }

      t.matchSnapshot(files.map((f) => `=== ${f.name}\n${f.text}`).join('\n'), `${resolved.scenario.name} export`);
      t.same(exportFiles(exportScenario(resolved, { versions })), files, 'a second export is identical');
    }
  });
}

const SMALL = `apiVersion: alpsim/v1
kind: Scenario
metadata: {name: small}
spec:
  compat: "3.2"
  resources:
    - {apiVersion: projectcalico.org/v3, kind: Profile, metadata: {name: p}, spec: {}}
    - {apiVersion: v1, kind: Service, metadata: {name: web, namespace: a}, spec: {selector: {app: web}, ports: [{name: http, port: 8080}]}}
  workloads:
    - {name: 1st, namespace: a, serviceAccount: sa, labels: {app: x}, ip: 192.168.7.7, ports: [{name: http, port: 80}]}
    - {name: web, namespace: a, serviceAccount: default, labels: {app: web}, ip: 10.1.0.9, ports: [{name: http, port: 8080}]}
    - {name: web, namespace: b, serviceAccount: default, labels: {app: web}, ip: 10.1.0.10, ports: [{name: http, port: 8080}]}
  requests:
    - {name: outside, from: {ip: 10.9.9.9}, to: a/web, expect: deny}
    - {name: clash, from: {ip: 10.1.0.9}, to: a/web, expect: deny}
    - {name: inside, from: a/1st, to: a/web, method: HEAD, path: "/it's", headers: {x-q: "a 'b'"}, expect: allow}
  steps:
    - fault: dikastes-stop
    - request: {name: after fault, from: a/1st, to: a/web, expect: deny}
`;

t.test('addresses, names, profiles, faults and image flags', async (t) => {
  const resolved = await resolveText(SMALL);
  const exp = exportScenario(resolved, { versions, useAlpsimImages: true });
  const objects = allObjects(exp);
  const pod = (name: string) => objects.find((o) => o.kind === 'Pod' && o.metadata.name === name)!;
  t.notOk(pod('1st').metadata.annotations['cni.projectcalico.org/ipAddrs'], 'an IP outside the pool is not pinned');
  t.match(exp.warnings.join('\n'), /workload a\/1st: IP 192\.168\.7\.7 is outside the cluster's pod pool 10\.0\.0\.0\/9/);
  t.equal(pod('web').metadata.annotations['cni.projectcalico.org/ipAddrs'], '["10.1.0.9"]');
  t.equal(pod('web').metadata.annotations['alpsim.io/dikastes-image'], versions.ALPSIM_IMAGE);
  t.equal(pod('web').metadata.annotations['alpsim.io/dikastes-compat'], '3.2');
  const services = objects.filter((o) => o.kind === 'Service').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  t.same(services, ['a/w-1st', 'a/web', 'b/web'], 'Service names are DNS-1035 labels, unique per namespace; the scenario\'s own Service is not exported');
  t.match(exp.warnings.join('\n'), /Service a\/web is not exported: each workload gets its own Service/);
  t.match(exp.warnings.join('\n'), /Profile p is not exported/);
  t.notOk(objects.some((o) => o.kind === 'Profile'));
  t.notOk(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'default'), 'the default account exists already');
  const jobs = objects.filter((o) => o.kind === 'Job');
  const ipJob = (ip: string) => jobs.find((j) => j.metadata.annotations['alpsim.io/source'] === ip)!;
  t.equal(ipJob('10.9.9.9').spec.template.metadata.annotations['cni.projectcalico.org/ipAddrs'], '["10.9.9.9"]');
  t.notOk(ipJob('10.1.0.9').spec.template.metadata.annotations['cni.projectcalico.org/ipAddrs'], 'an IP owned by a workload is not pinned twice');
  t.match(exp.warnings.join('\n'), /source \{ip: 10\.1\.0\.9\}: the address belongs to workload a\/web/);
  const script = jobs.find((j) => j.metadata.annotations['alpsim.io/source'] === 'a/1st')!.spec.template.spec.containers[0].command[2] as string;
  t.match(script, `probe 'requests[2]' 'HEAD' 'http://web.a.svc.cluster.local:8080/it'\\''s' --header 'x-q: a '\\''b'\\'''`);
  t.same(exp.plan.map((a) => a.kind), ['jobs', 'skip', 'skip']);
  t.match(exp.plan[2], { kind: 'skip', note: /request "after fault" not run \(it follows the fault of step 1\)/ });

  const custom = exportScenario(resolved, { versions, dikastesImage: 'example.org/dikastes:test' });
  const webPod = allObjects(custom).find((o) => o.kind === 'Pod' && o.metadata.name === 'web')!;
  t.equal(webPod.metadata.annotations['alpsim.io/dikastes-image'], 'example.org/dikastes:test');
  t.notOk(webPod.metadata.annotations['alpsim.io/dikastes-compat'], 'Calico-compatible flags only unless our image is asked for');
});

t.test('Service port names give Istio the protocol of alpsim\'s listener for each port', async (t) => {
  const resolved = await resolveText(`apiVersion: alpsim/v1
kind: Scenario
metadata: {name: ports}
spec:
  workloads:
    - {name: web, namespace: a, labels: {app: web}, ip: 10.1.0.9, ports: [{name: http-api, port: 8080}, {name: grpc, port: 9090}, {name: admin, port: 9000}, 9100, {name: mongo, port: 27017}]}
  requests:
    - {name: x, from: {ip: 10.9.9.9}, to: a/web, expect: deny}
`);
  t.same(Object.fromEntries(resolved.listeners.get('a/web')!), { 8080: 'http', 9090: 'http', 9000: 'tcp', 9100: 'tcp', 27017: 'unchecked' });
  const service = allObjects(exportScenario(resolved, { versions })).find((o) => o.kind === 'Service')!;
  t.same(service.spec.ports.map((p: any) => p.name), ['http-api', 'grpc', 'tcp-9000', 'tcp-9100', 'mongo']);
});

t.test('writeExport replaces an earlier export in the same directory', async (t) => {
  const dir = t.testdir({ '99-stale.yaml': 'x', 'keep.txt': 'mine', '60-step-000-apply.yaml': 'old' });
  const [resolved] = await resolveFile('quickstart.yaml');
  const written = writeExport(exportScenario(resolved, { versions }), dir);
  const names = fs.readdirSync(dir).sort();
  t.same(names, ['00-namespaces.yaml', '10-serviceaccounts.yaml', '20-policies.yaml', '30-workloads.yaml', '40-requests.yaml', 'keep.txt', 'plan.json']);
  t.equal(written.length, 6);
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8'));
  t.same(plan.apply, ['00-namespaces.yaml', '10-serviceaccounts.yaml', '20-policies.yaml', '30-workloads.yaml']);
});
