// The checked-in kind setup, validated offline: every manifest under scripts/kind/manifests rendered
// with versions.env, the dikastes injection template inside the IstioOperator, and the kind config.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { Pod } from 'kubernetes-models/v1/Pod';
import { kindScriptsDir, loadVersions, renderPlaceholders } from '../src/versions';
import { parseDocuments, validateObject } from './helpers/validate';

const dir = kindScriptsDir();
const versions = loadVersions();
const values = { ...versions, DIKASTES_IMAGE: versions.CALICO_DIKASTES_IMAGE };
const render = (file: string) => renderPlaceholders(fs.readFileSync(file, 'utf8'), values, file);
const manifest = (name: string) => parseDocuments(render(path.join(dir, 'manifests', name)));

t.test('versions.env pins every version and image the setup uses', async (t) => {
  t.match(versions.KIND_NODE_IMAGE, /^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/, 'node image pinned by digest');
  t.match(versions.CALICO_VERSION, /^v3\.\d+\.\d+$/);
  t.match(versions.ISTIO_VERSION, /^1\.\d+\.\d+$/);
  t.ok(versions.CALICO_DIKASTES_IMAGE.endsWith(`:${versions.CALICO_VERSION}`), 'dikastes image matches the Calico version');
  // No other file under scripts/kind or the workflow may hard-code these versions.
  const others = [
    ...fs.readdirSync(dir).filter((f) => f !== 'versions.env').map((f) => path.join(dir, f)),
    ...fs.readdirSync(path.join(dir, 'manifests')).map((f) => path.join(dir, 'manifests', f)),
    path.resolve(dir, '..', '..', '.github', 'workflows', 'kind.yml'),
  ].filter((f) => fs.statSync(f).isFile());
  for (const file of others) {
    const text = fs.readFileSync(file, 'utf8');
    for (const pin of [versions.CALICO_VERSION, versions.ISTIO_VERSION, versions.KIND_VERSION, versions.KIND_NODE_IMAGE]) {
      t.notOk(text.includes(pin), `${path.relative(dir, file)} does not repeat ${pin}`);
    }
  }
});

t.test('every @KEY@ placeholder has a value', async (t) => {
  for (const file of ['kind-config.yaml', ...fs.readdirSync(path.join(dir, 'manifests')).map((f) => `manifests/${f}`)]) {
    t.doesNotThrow(() => render(path.join(dir, file)), file);
    t.notMatch(render(path.join(dir, file)), /@[A-Z_]+@/, `${file} fully rendered`);
  }
  t.throws(() => renderPlaceholders('x: @NOPE@', values, 'f.yaml'), /f\.yaml: no value for @NOPE@/);
});

t.test('kind config: no default CNI, Calico pool as pod subnet, one node', async (t) => {
  const cfg = parseYaml(render(path.join(dir, 'kind-config.yaml')));
  t.equal(cfg.kind, 'Cluster');
  t.equal(cfg.apiVersion, 'kind.x-k8s.io/v1alpha4');
  t.equal(cfg.networking.disableDefaultCNI, true);
  t.equal(cfg.networking.podSubnet, versions.POD_SUBNET);
  t.equal(cfg.networking.serviceSubnet, versions.SERVICE_SUBNET);
  t.same(cfg.nodes, [{ role: 'control-plane' }]);
});

t.test('Calico operator resources: IP pool = pod subnet, FlexVolume off, API server on', async (t) => {
  // No schema for operator.tigera.io ships offline; the fields we set are checked one by one.
  const [installation, apiServer] = manifest('calico-installation.yaml');
  t.match(installation, { apiVersion: 'operator.tigera.io/v1', kind: 'Installation', metadata: { name: 'default' } });
  t.same(Object.keys(installation.spec).sort(), ['calicoNetwork', 'flexVolumePath']);
  t.equal(installation.spec.flexVolumePath, 'None');
  const [pool] = installation.spec.calicoNetwork.ipPools;
  t.equal(pool.cidr, versions.POD_SUBNET);
  t.ok(['IPIP', 'IPIPCrossSubnet', 'VXLAN', 'VXLANCrossSubnet', 'None'].includes(pool.encapsulation));
  t.ok(['Enabled', 'Disabled'].includes(pool.natOutgoing));
  t.match(apiServer, { apiVersion: 'operator.tigera.io/v1', kind: 'APIServer', metadata: { name: 'default' }, spec: {} });
  const [patch] = manifest('felix-policysync-patch.yaml');
  t.same(patch, { spec: { policySyncPathPrefix: '/var/run/nodeagent' } }, 'the prefix Calico documents');
});

t.test('Istio objects validate against @kubernetes-models/istio', async (t) => {
  const objects = [...manifest('istio-operator.yaml'), ...manifest('istio-app-layer-policy.yaml')];
  t.same(objects.map((o) => o.kind), ['IstioOperator', 'ServiceEntry', 'DestinationRule', 'EnvoyFilter', 'PeerAuthentication']);
  for (const o of objects) t.same(validateObject(o, o.kind), [], `${o.kind} ${o.metadata.name} is valid`);
  const [se, dr, ef, pa] = objects.slice(1);
  t.same(se.spec.endpoints, [{ address: 'unix:///var/run/dikastes/dikastes.sock' }], 'Dikastes socket as the endpoint');
  t.equal(dr.spec.host, se.spec.hosts[0]);
  t.equal(dr.spec.trafficPolicy.tls.mode, 'DISABLE', 'plaintext to the local socket');
  const cluster = `outbound|${se.spec.ports[0].number}||${se.spec.hosts[0]}`;
  for (const patch of ef.spec.configPatches) {
    t.equal(patch.match.context, 'SIDECAR_INBOUND');
    t.equal(patch.patch.operation, 'INSERT_BEFORE');
    t.equal(patch.patch.value.typed_config.grpc_service.envoy_grpc.cluster_name, cluster);
    t.equal(patch.patch.value.typed_config.transport_api_version, 'V3');
  }
  t.equal(pa.spec.mtls.mode, 'STRICT');
  // The same object must fail when broken, or the check above proves nothing.
  t.not(validateObject({ ...ef, spec: { configPatches: [{ applyTo: 'NOT_A_TARGET' }] } }, 'broken').length, 0);
});

/** Evaluate the few Go-template actions the dikastes template uses, for the no-annotation case. */
function renderInjectionTemplate(text: string, annotations: Record<string, string>): string {
  return text
    .replace(/\{\{- if isset \.ObjectMeta\.Annotations "([^"]+)" \}\}([\s\S]*?)\{\{- end \}\}/g, (_m, key: string, body: string) => (key in annotations ? body : ''))
    .replace(/\{\{ annotation \.ObjectMeta "([^"]+)" "([^"]+)" \}\}/g, (_m, key: string, dflt: string) => annotations[key] ?? dflt)
    .replace(/\{\{ index \.ObjectMeta\.Annotations "([^"]+)" \}\}/g, (_m, key: string) => annotations[key] ?? '');
}

t.test('the dikastes injection template: container, volumes and istio-proxy mount', async (t) => {
  const [op] = manifest('istio-operator.yaml');
  const injector = op.spec.values.sidecarInjectorWebhook;
  t.same(injector.defaultTemplates, ['sidecar', 'dikastes'], 'every injected pod gets dikastes');
  t.equal(op.spec.values.pilot.env.ENABLE_NATIVE_SIDECARS, 'true');
  for (const annotations of [{} as Record<string, string>, { 'alpsim.io/dikastes-image': 'alpsim/alpsim:dev', 'alpsim.io/dikastes-compat': '3.28' }]) {
    const text = renderInjectionTemplate(injector.templates.dikastes, annotations);
    t.notMatch(text, /\{\{|\}\}/, 'every template action handled');
    const patch = parseYaml(text).spec;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'app' }, ...patch.containers], initContainers: patch.initContainers, volumes: patch.volumes } };
    t.doesNotThrow(() => new Pod(pod).validate(), 'the merged pod validates');
    const dikastes = patch.containers.find((c: any) => c.name === 'dikastes');
    t.same(dikastes.args.slice(0, 5), ['server', '-l', '/var/run/dikastes/dikastes.sock', '-d', '/var/run/felix/nodeagent/socket']);
    if ('alpsim.io/dikastes-compat' in annotations) {
      t.equal(dikastes.image, 'alpsim/alpsim:dev');
      t.same(dikastes.args.slice(5), ['--compat', '3.28']);
    } else {
      t.equal(dikastes.image, versions.CALICO_DIKASTES_IMAGE);
      t.same(dikastes.args.slice(5), []);
    }
    t.same(dikastes.readinessProbe.exec.command, ['/healthz', 'readiness']);
    const mounts = Object.fromEntries(dikastes.volumeMounts.map((m: any) => [m.name, m.mountPath]));
    t.same(mounts, { 'dikastes-sock': '/var/run/dikastes', 'felix-sync': '/var/run/felix' });
    t.same(patch.initContainers, [{ name: 'istio-proxy', volumeMounts: [{ name: 'dikastes-sock', mountPath: '/var/run/dikastes' }] }]);
    const volumes = Object.fromEntries(patch.volumes.map((v: any) => [v.name, v]));
    t.same(volumes['felix-sync'].csi, { driver: 'csi.tigera.io' });
    t.same(volumes['dikastes-sock'].emptyDir, { medium: 'Memory' });
  }
});
