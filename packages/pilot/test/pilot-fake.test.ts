import * as http from 'node:http';
import t from 'tap';
import { PilotFake, type PilotService, type PilotWorkload, protocolOfPortName } from '../src/index';

const workloads: PilotWorkload[] = [
  { namespace: 'default', name: 'web-1', ip: '10.1.1.5', serviceAccount: 'web', labels: { app: 'web' }, ports: [{ port: 8080, name: 'http' }] },
  { namespace: 'default', name: 'web-2', ip: '10.1.1.6', serviceAccount: 'web', labels: { app: 'web' }, ports: [{ port: 8080, name: 'http' }] },
  { namespace: 'prod', name: 'db-0', ip: '10.1.2.7', serviceAccount: 'db', labels: { app: 'db' }, ports: [{ port: 2379, name: 'client' }, { port: 27017, name: 'mongo' }] },
  { namespace: 'prod', name: 'rpc-0', ip: '10.1.2.8', labels: { app: 'rpc' }, ports: [{ port: 9000 }] },
  { namespace: 'prod', name: 'legacy', ip: '10.1.2.9', sidecar: false, labels: { app: 'db' }, serviceAccount: 'old', ports: [{ port: 2379, name: 'client' }] },
  { namespace: 'prod', name: 'lonely', ip: '10.1.2.10', ports: [{ port: 7000, name: 'http-admin' }, { port: 7001, name: 'metrics' }, { port: 53, protocol: 'UDP' }] },
];
const services: PilotService[] = [
  { namespace: 'default', name: 'web', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, name: 'http' }], selector: { app: 'web' } },
  { namespace: 'prod', name: 'db', clusterIP: '10.96.0.20', ports: [{ port: 2379, name: 'tcp-client', targetPort: 'client' }, { port: 27017, name: 'mongo' }], selector: { app: 'db' } },
  { namespace: 'prod', name: 'rpc', clusterIP: '10.96.0.30', ports: [{ port: 9000, name: 'grpc' }], selector: { app: 'rpc' } },
  { namespace: 'prod', name: 'headless', clusterIP: 'None', ports: [{ port: 80, name: 'http' }], selector: { app: 'rpc' } },
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const pilot = () => new PilotFake({ workloads, services });
const names = (doc: Json, key: string) => (doc[key] as Json[]).map((x) => x.name);

t.test('node IDs for sidecar workloads only', async (t) => {
  const p = pilot();
  t.same(p.nodeIds(), [
    'sidecar~10.1.1.5~web-1.default~default.svc.cluster.local',
    'sidecar~10.1.1.6~web-2.default~default.svc.cluster.local',
    'sidecar~10.1.2.7~db-0.prod~prod.svc.cluster.local',
    'sidecar~10.1.2.8~rpc-0.prod~prod.svc.cluster.local',
    'sidecar~10.1.2.10~lonely.prod~prod.svc.cluster.local',
  ]);
  t.equal(p.nodeId('prod', 'db-0'), 'sidecar~10.1.2.7~db-0.prod~prod.svc.cluster.local');
  t.throws(() => p.nodeId('prod', 'nope'), /no workload prod\/nope/);
});

t.test('LDS: inbound mTLS listeners as Istio 0.7 built them, outbound per service, virtual', async (t) => {
  const p = pilot();
  const answer = await p.fetchListeners(p.nodeId('prod', 'db-0'));
  t.equal(answer.status, 200);
  t.equal(answer.source, 'pilot');
  t.match(answer.body, /^\{\n {2}"listeners": \[\n {3}\{\n {4}"address"/, 'MarshalIndent with one-space prefix and indent');
  const lds = JSON.parse(answer.body) as Json;
  t.same(names(lds, 'listeners'), ['virtual', 'http_0.0.0.0_80', 'http_0.0.0.0_9000', 'tcp_10.1.2.7_2379', 'mongo_10.1.2.7_27017', 'tcp_10.96.0.20_2379', 'mongo_10.96.0.20_27017'], 'sorted by address string, headless service skipped');
  const byName = Object.fromEntries((lds.listeners as Json[]).map((l) => [l.name, l]));
  t.same(byName.virtual, { address: 'tcp://0.0.0.0:15001', name: 'virtual', filters: [], bind_to_port: true, use_original_dst: true });
  const tcpIn = byName['tcp_10.1.2.7_2379'];
  t.equal(tcpIn.address, 'tcp://10.1.2.7:2379');
  t.same(tcpIn.ssl_context, { cert_chain_file: '/etc/certs/cert-chain.pem', private_key_file: '/etc/certs/key.pem', ca_cert_file: '/etc/certs/root-cert.pem', require_client_certificate: true });
  t.same(tcpIn.filters.map((f: Json) => [f.type, f.name]), [['both', 'mixer'], ['read', 'tcp_proxy']]);
  t.same(tcpIn.filters[1].config, { stat_prefix: 'tcp', route_config: { routes: [{ cluster: 'in.2379', destination_ip_list: ['10.1.2.7/32'] }] } });
  t.same(tcpIn.filters[0].config.mixer_attributes, { 'destination.ip': '10.1.2.7', 'destination.uid': 'kubernetes://db-0.prod' });
  t.same(byName['mongo_10.1.2.7_27017'].filters.map((f: Json) => f.name), ['mixer', 'mongo_proxy', 'tcp_proxy']);
  t.equal(byName['tcp_10.1.2.7_2379'].bind_to_port, false);
  const outTcp = byName['tcp_10.96.0.20_2379'];
  t.notOk('ssl_context' in outTcp, 'outbound listeners are plaintext (TLS is on the cluster)');
  t.same(outTcp.filters[0].config.route_config.routes, [{ cluster: 'out.db.prod.svc.cluster.local|tcp-client', destination_ip_list: ['10.96.0.20/32'] }]);
  const outHttp = byName['http_0.0.0.0_80'].filters[0];
  t.equal(outHttp.name, 'http_connection_manager');
  t.same(outHttp.config.rds, { cluster: 'rds', route_config_name: '80', refresh_delay_ms: 1000 });
  t.same(outHttp.config.tracing, { operation_name: 'egress' });

  const web = JSON.parse((await p.fetchListeners(p.nodeId('default', 'web-1'))).body) as Json;
  const httpIn = (web.listeners as Json[]).find((l) => l.name === 'http_10.1.1.5_8080') as Json;
  t.ok(httpIn, 'inbound HTTP listener on the pod IP and target port');
  t.equal(httpIn.ssl_context.require_client_certificate, true);
  const hcm = httpIn.filters[0];
  t.same([hcm.type, hcm.name], ['read', 'http_connection_manager']);
  t.same(hcm.config.filters.map((f: Json) => [f.type, f.name]), [['decoder', 'mixer'], ['', 'cors'], ['decoder', 'router']], 'mixer → cors → router');
  t.same(hcm.config.route_config.virtual_hosts[0].routes[0].cluster, 'in.8080');
  t.same(hcm.config.route_config.virtual_hosts[0].domains, ['*']);
  t.same(hcm.config.access_log, [{ path: '/dev/stdout' }]);
  t.equal(hcm.config.filters[0].config.v2.mixerAttributes.attributes['destination.ip'].bytesValue, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 1, 5]).toString('base64'));
  t.notOk((web.listeners as Json[]).some((l) => String(l.name).includes('10.1.1.6')), "another pod's inbound listeners are not in this node's LDS");
});

t.test('a pod no service selects gets inbound listeners from its own TCP ports', async (t) => {
  const p = pilot();
  const lds = JSON.parse((await p.fetchListeners(p.nodeId('prod', 'lonely'))).body) as Json;
  const inbound = names(lds, 'listeners').filter((n: string) => n.includes('10.1.2.10'));
  t.same(inbound, ['http_10.1.2.10_7000', 'tcp_10.1.2.10_7001'], 'http-admin ⇒ HTTP, metrics ⇒ TCP, UDP ignored');
});

t.test('CDS: inbound in.<port> to 127.0.0.1, outbound clusters verify the service accounts', async (t) => {
  const p = pilot();
  const cds = JSON.parse((await p.discover(`/v1/clusters/istio-proxy/${p.nodeId('prod', 'rpc-0')}`)).body) as Json;
  t.same(names(cds, 'clusters'), [
    'in.80', // the headless service's port 80 (endpoints list it even if the pod does not declare it)
    'in.9000',
    'out.db.prod.svc.cluster.local|mongo',
    'out.db.prod.svc.cluster.local|tcp-client',
    'out.headless.prod.svc.cluster.local|http',
    'out.rpc.prod.svc.cluster.local|grpc',
    'out.web.default.svc.cluster.local|http',
  ]);
  const byName = Object.fromEntries((cds.clusters as Json[]).map((c) => [c.name, c]));
  t.same(byName['in.9000'], { name: 'in.9000', connect_timeout_ms: 1000, type: 'static', lb_type: 'round_robin', hosts: [{ url: 'tcp://127.0.0.1:9000' }], http2_settings: { max_concurrent_streams: 1073741824 } });
  t.same(byName['out.db.prod.svc.cluster.local|tcp-client'].ssl_context.verify_subject_alt_name, ['spiffe://cluster.local/ns/prod/sa/db', 'spiffe://cluster.local/ns/prod/sa/old'], 'all service accounts behind the service, sidecar or not');
  t.same(byName['out.rpc.prod.svc.cluster.local|grpc'].ssl_context.verify_subject_alt_name, ['spiffe://cluster.local/ns/prod/sa/default'], 'pods without a service account run as default');
  t.equal(byName['out.web.default.svc.cluster.local|http'].type, 'sds');
  t.equal(byName['out.web.default.svc.cluster.local|http'].service_name, 'web.default.svc.cluster.local|http');

  const plain = new PilotFake({ workloads, services, mtls: false });
  const plainCds = JSON.parse((await plain.discover(`/v1/clusters/c/${p.nodeId('prod', 'rpc-0')}`)).body) as Json;
  t.notOk((plainCds.clusters as Json[]).some((c) => 'ssl_context' in c), 'mtls: false ⇒ no TLS on clusters');
  const plainLds = JSON.parse((await plain.fetchListeners(p.nodeId('prod', 'rpc-0'))).body) as Json;
  t.notOk((plainLds.listeners as Json[]).some((l) => 'ssl_context' in l), 'mtls: false ⇒ plaintext inbound');
});

t.test('RDS and SDS', async (t) => {
  const p = pilot();
  const rds = JSON.parse((await p.discover(`/v1/routes/80/istio-proxy/${p.nodeId('default', 'web-1')}`)).body) as Json;
  t.equal(rds.validate_clusters, true);
  t.same(names(rds, 'virtual_hosts'), ['web.default.svc.cluster.local|http']);
  t.ok(rds.virtual_hosts[0].domains.includes('web') && rds.virtual_hosts[0].domains.includes('web:80'), 'short name from the same namespace');
  const fromProd = JSON.parse((await p.discover(`/v1/routes/80/istio-proxy/${p.nodeId('prod', 'db-0')}`)).body) as Json;
  t.notOk(fromProd.virtual_hosts[0].domains.includes('web'), 'no short name from another namespace');
  t.same(fromProd.virtual_hosts[0].routes[0].cluster, 'out.web.default.svc.cluster.local|http');
  t.same(JSON.parse((await p.discover(`/v1/routes/1234/c/${p.nodeId('prod', 'db-0')}`)).body), { validate_clusters: true, virtual_hosts: [] });
  const sds = JSON.parse((await p.discover('/v1/registration/db.prod.svc.cluster.local%7Ctcp-client')).body) as Json;
  t.same(sds, { hosts: [{ ip_address: '10.1.2.7', port: 2379 }, { ip_address: '10.1.2.9', port: 2379 }] });
});

t.test('Istio 0.7 port naming decides the protocol', async (t) => {
  const table: [string | undefined, string][] = [
    ['http', 'HTTP'], ['http-web', 'HTTP'], ['HTTP', 'HTTP'], ['http2', 'HTTP2'], ['grpc', 'GRPC'], ['grpc-web', 'GRPC'],
    ['mongo', 'MONGO'], ['redis', 'REDIS'], ['tcp', 'TCP'], ['https', 'TCP'], ['httpx', 'TCP'], ['web', 'TCP'], ['', 'TCP'], [undefined, 'TCP'],
  ];
  for (const [name, protocol] of table) t.equal(protocolOfPortName(name), protocol, `${JSON.stringify(name)} ⇒ ${protocol}`);
});

t.test('bad input: precise errors, nothing half-applied; bad nodes are 404', async (t) => {
  const p = pilot();
  const before = await p.fetchListeners(p.nodeId('prod', 'db-0'));
  const bad: [PilotWorkload[], RegExp][] = [
    [[{ namespace: 'default', name: 'a', ip: '10.0.0.300' }], /workloads\[0\]\.ip: expected an IP address, got "10.0.0.300"/],
    [[{ namespace: 'default', name: 'a', ip: '10.0.0.1' }, { namespace: 'default', name: 'b', ip: '10.0.0.1' }], /workloads\[1\]\.ip: 10.0.0.1 is already used by default\/a/],
    [[{ namespace: 'Default', name: 'a', ip: '10.0.0.1' }], /workloads\[0\]\.namespace: expected a namespace name/],
    [[{ namespace: 'd', name: 'a', ip: '10.0.0.1', ports: [{ port: 70000 }] }], /workloads\[0\]\.ports\[0\]\.port: expected a port number 1-65535, got 70000/],
  ];
  for (const [w, message] of bad) {
    const error = t.throws(() => p.setWorkloads(w), message) as { userError?: boolean };
    t.equal(error.userError, true);
  }
  t.throws(() => p.setServices([{ namespace: 'd', name: 's', ports: [{ port: 1 }, { port: 2 }] }]), /services\[0\]\.ports\[0\]\.name: required when a service has several ports/);
  t.throws(() => p.setServices([{ namespace: 'd', name: 's', clusterIP: 'x', ports: [{ port: 1 }] }]), /services\[0\]\.clusterIP/);
  t.throws(() => new PilotFake({ webhookEndpoint: 'unix://relative.sock' }), /expected unix:\/\/\/absolute\/path/);
  t.throws(() => new PilotFake({ webhookEndpoint: 'grpc://x' }), /expected unix:\/\/\/path or http:\/\/host/);
  t.equal((await p.fetchListeners(p.nodeId('prod', 'db-0'))).body, before.body, 'last good config keeps serving');
  t.match(await p.discover('/v1/listeners/c/garbage'), { status: 404, body: /^LDS missing parts in the service node "garbage"/ });
  t.match(await p.discover('/v1/clusters/c/sidecar~not-an-ip~x~y'), { status: 404, body: /^CDS invalid IP address "not-an-ip"/ });
  t.match(await p.discover('/v1/listeners/c/gateway~1.2.3.4~x~y'), { status: 404, body: /unsupported service node type "gateway"/ });
  t.match(await p.discover('/v1/nothing'), { status: 404 });
  t.match(await p.discover('/v1/listeners/c/%E0%A4%A'), { status: 400 }, 'malformed percent-encoding');
  t.same(JSON.parse((await p.discover('/v1/listeners/c/ingress~1.2.3.4~x~y')).body), { listeners: [] }, 'non-sidecar nodes get no listeners from the fake');
  t.same(JSON.parse((await p.fetchListeners('sidecar~10.9.9.9~ghost.x~x.svc.cluster.local')).body).listeners.some((l: Json) => l.name.includes('10.9.9.9')), false, 'unknown sidecar IP: outbound only');
});

t.test('HTTP server: GET /v1/... like Pilot port 8080', async (t) => {
  const p = pilot();
  const server = await p.listen();
  t.teardown(() => p.close());
  const get = (path: string, method = 'GET') =>
    new Promise<{ status: number; body: string; type?: string }>((resolve, reject) => {
      http
        .request(`${server.url}${path}`, { method }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
        })
        .on('error', reject)
        .end();
    });
  const node = p.nodeId('default', 'web-1');
  const lds = await get(`/v1/listeners/istio-proxy/${node}`);
  t.equal(lds.status, 200);
  t.equal(lds.type, 'application/json');
  t.equal(lds.body, (await p.fetchListeners(node)).body);
  t.equal((await get(`/v1/listeners/istio-proxy/${node}`, 'POST')).status, 405);
  t.equal((await get('/nope')).status, 404);
  t.match(JSON.parse((await get('/cache_stats')).body), { cache: { hits: 1, misses: 1 } });
});
