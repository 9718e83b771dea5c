import * as net from 'node:net';
import { sortKeysDeep, compareGoStrings } from './go-json';
import {
  type PilotService,
  type PilotServicePort,
  type PilotWorkload,
  type PortProtocol,
  type ServiceInstance,
  isHttpProtocol,
  portKey,
  protocolOfPortName,
  serviceHostname,
} from './pilot-model';

/**
 * v1 REST xDS documents as Istio 0.7.1 Pilot built them for a sidecar with mesh-wide mutual TLS
 * (pilot/pkg/proxy/envoy/v1: config.go, resources.go, mixer.go; golden lds-v0-none-auth.json).
 * Objects are built in the field order of the Go structs so JSON.stringify gives Go's bytes.
 */

export interface XdsOptions {
  /** Mesh authPolicy MUTUAL_TLS (inbound ssl_context, outbound clusters with SANs). Default true. */
  mtls: boolean;
  trustDomain: string;
}

export const CERTS = Object.freeze({
  certChain: '/etc/certs/cert-chain.pem',
  key: '/etc/certs/key.pem',
  rootCert: '/etc/certs/root-cert.pem',
});

const VIRTUAL_LISTENER_PORT = 15001;
const CONNECT_TIMEOUT_MS = 1000;
const RDS_REFRESH_DELAY_MS = 1000;

/** Mixer's `bytesValue` of an IP: the 16-byte (IPv4-mapped) form, base64. */
function ipBytesValue(ip: string): string {
  const bytes = Buffer.alloc(16);
  if (net.isIPv4(ip)) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    ip.split('.').forEach((octet, i) => (bytes[12 + i] = Number(octet)));
  } else {
    const groups = expandIpv6(ip);
    groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  }
  return bytes.toString('base64');
}

function expandIpv6(ip: string): number[] {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const t = tail ? tail.split(':').map((x) => parseInt(x, 16)) : [];
  return [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

const uid = (w: PilotWorkload) => `kubernetes://${w.name}.${w.namespace}`;

function mixerTransport() {
  return { checkCluster: 'mixer_check_server', reportCluster: 'mixer_report_server' };
}

function inboundMixerV2(w: PilotWorkload, hosts: string[]) {
  return sortKeysDeep({
    defaultDestinationService: hosts[0] ?? '',
    mixerAttributes: { attributes: { 'destination.ip': { bytesValue: ipBytesValue(w.ip) }, 'destination.uid': { stringValue: uid(w) } } },
    serviceConfigs: Object.fromEntries(hosts.map((h) => [h, { mixerAttributes: { attributes: { 'destination.service': { stringValue: h } } } }])),
    transport: mixerTransport(),
  });
}

function outboundMixerV2(w: PilotWorkload | undefined, host: string) {
  return sortKeysDeep({
    defaultDestinationService: host,
    forwardAttributes: { attributes: w ? { 'source.ip': { bytesValue: ipBytesValue(w.ip) }, 'source.uid': { stringValue: uid(w) } } : {} },
    mixerAttributes: { attributes: {} },
    transport: mixerTransport(),
  });
}

const cors = () => ({ type: '', name: 'cors', config: {} });
const router = () => ({ type: 'decoder', name: 'router', config: {} });
const accessLog = () => [{ path: '/dev/stdout' }];

function inboundSslContext() {
  return { cert_chain_file: CERTS.certChain, private_key_file: CERTS.key, ca_cert_file: CERTS.rootCert, require_client_certificate: true };
}

function listener(address: string, name: string, filters: unknown[], extra: { ssl?: unknown; bind?: boolean; originalDst?: boolean } = {}) {
  const out: Record<string, unknown> = { address, name, filters };
  if (extra.ssl) out.ssl_context = extra.ssl;
  out.bind_to_port = extra.bind ?? false;
  if (extra.originalDst) out.use_original_dst = true;
  return out;
}

const listenerPrefix = (p: PortProtocol) => (isHttpProtocol(p) ? 'http' : p === 'MONGO' ? 'mongo' : 'tcp');

/** The inbound listener for one pod port, with its protocol and the services it backs. */
function inboundListener(w: PilotWorkload, port: number, protocol: PortProtocol, hosts: string[], opts: XdsOptions) {
  const address = `tcp://${w.ip}:${port}`;
  const name = `${listenerPrefix(protocol)}_${w.ip}_${port}`;
  const ssl = opts.mtls ? inboundSslContext() : undefined;
  const mixerV2 = inboundMixerV2(w, hosts);
  if (isHttpProtocol(protocol)) {
    const opaque = sortKeysDeep({ 'destination.service': hosts[0] ?? '', mixer_check: 'on', mixer_forward: 'off', mixer_report: 'on' });
    const hcm = {
      codec_type: 'auto',
      stat_prefix: 'http',
      generate_request_id: true,
      tracing: { operation_name: 'ingress' },
      route_config: {
        validate_clusters: true,
        virtual_hosts: [
          {
            name: `inbound|${port}`,
            domains: ['*'],
            routes: [{ prefix: '/', cluster: `in.${port}`, timeout_ms: 0, opaque_config: opaque, decorator: { operation: 'default-route' } }],
          },
        ],
      },
      filters: [{ type: 'decoder', name: 'mixer', config: { v2: mixerV2 } }, cors(), router()],
      access_log: accessLog(),
    };
    return listener(address, name, [{ type: 'read', name: 'http_connection_manager', config: hcm }], { ssl });
  }
  const mixer = { type: 'both', name: 'mixer', config: { mixer_attributes: sortKeysDeep({ 'destination.ip': w.ip, 'destination.uid': uid(w) }), v2: mixerV2 } };
  const tcpProxy = { type: 'read', name: 'tcp_proxy', config: { stat_prefix: 'tcp', route_config: { routes: [{ cluster: `in.${port}`, destination_ip_list: [`${w.ip}/32`] }] } } };
  const filters = protocol === 'MONGO' ? [mixer, { type: 'both', name: 'mongo_proxy', config: { stat_prefix: 'mongo' } }, tcpProxy] : [mixer, tcpProxy];
  return listener(address, name, filters, { ssl });
}

function outboundListeners(source: PilotWorkload | undefined, services: readonly PilotService[]) {
  const out: Record<string, unknown>[] = [];
  for (const service of services) {
    const clusterIP = service.clusterIP;
    if (!clusterIP || clusterIP === 'None') continue; // headless: no outbound listener
    const host = serviceHostname(service);
    for (const port of service.ports) {
      if ((port.protocol ?? 'TCP') === 'UDP') continue;
      const protocol = protocolOfPortName(port.name);
      if (isHttpProtocol(protocol)) {
        const hcm = {
          codec_type: 'auto',
          stat_prefix: 'http',
          generate_request_id: true,
          tracing: { operation_name: 'egress' },
          rds: { cluster: 'rds', route_config_name: String(port.port), refresh_delay_ms: RDS_REFRESH_DELAY_MS },
          filters: [{ type: 'decoder', name: 'mixer', config: { v2: outboundMixerV2(source, host) } }, cors(), router()],
          access_log: accessLog(),
        };
        out.push(listener(`tcp://0.0.0.0:${port.port}`, `http_0.0.0.0_${port.port}`, [{ type: 'read', name: 'http_connection_manager', config: hcm }]));
        continue;
      }
      const tcpProxy = {
        type: 'read',
        name: 'tcp_proxy',
        config: { stat_prefix: 'tcp', route_config: { routes: [{ cluster: `out.${host}|${portKey(port)}`, destination_ip_list: [`${clusterIP}/32`] }] } },
      };
      const filters = protocol === 'MONGO' ? [{ type: 'both', name: 'mongo_proxy', config: { stat_prefix: 'mongo' } }, tcpProxy] : [tcpProxy];
      out.push(listener(`tcp://${clusterIP}:${port.port}`, `${listenerPrefix(protocol)}_${clusterIP}_${port.port}`, filters));
    }
  }
  return out;
}

/** Pod ports served inbound: from service instances, else (no service selects the pod) its own TCP ports. */
export function inboundPorts(workload: PilotWorkload, instances: readonly ServiceInstance[]): { port: number; protocol: PortProtocol; hosts: string[] }[] {
  const mine = instances.filter((i) => i.workload === workload);
  const byPort = new Map<number, { port: number; protocol: PortProtocol; hosts: string[] }>();
  if (mine.length > 0) {
    for (const instance of mine) {
      const entry = byPort.get(instance.endpointPort) ?? { port: instance.endpointPort, protocol: instance.protocol, hosts: [] };
      const host = serviceHostname(instance.service);
      if (!entry.hosts.includes(host)) entry.hosts.push(host);
      byPort.set(instance.endpointPort, entry);
    }
  } else {
    for (const p of workload.ports ?? []) {
      if ((p.protocol ?? 'TCP') !== 'TCP' || byPort.has(p.port)) continue;
      byPort.set(p.port, { port: p.port, protocol: protocolOfPortName(p.name), hosts: [] });
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

/** Pilot's Listeners.normalize(): drop address collisions (first wins), sort by address. */
function normalizeListeners(listeners: Record<string, unknown>[]) {
  const seen = new Set<string>();
  const out = listeners.filter((l) => {
    const address = l.address as string;
    if (seen.has(address)) return false;
    seen.add(address);
    return true;
  });
  return out.sort((a, b) => compareGoStrings(a.address as string, b.address as string));
}

export function buildListeners(node: PilotWorkload | undefined, services: readonly PilotService[], instances: readonly ServiceInstance[], opts: XdsOptions) {
  const listeners: Record<string, unknown>[] = [listener(`tcp://0.0.0.0:${VIRTUAL_LISTENER_PORT}`, 'virtual', [], { bind: true, originalDst: true })];
  if (node) for (const p of inboundPorts(node, instances)) listeners.push(inboundListener(node, p.port, p.protocol, p.hosts, opts));
  listeners.push(...outboundListeners(node, services));
  return { listeners: normalizeListeners(listeners) };
}

function cluster(fields: { name: string; serviceName?: string; type: string; hosts?: { url: string }[]; ssl?: unknown; http2?: boolean }) {
  const out: Record<string, unknown> = { name: fields.name };
  if (fields.serviceName) out.service_name = fields.serviceName;
  out.connect_timeout_ms = CONNECT_TIMEOUT_MS;
  out.type = fields.type;
  out.lb_type = 'round_robin';
  if (fields.hosts && fields.hosts.length > 0) out.hosts = fields.hosts;
  if (fields.ssl) out.ssl_context = fields.ssl;
  if (fields.http2) out.http2_settings = { max_concurrent_streams: 1073741824 };
  return out;
}

export const spiffeIdOf = (trustDomain: string, namespace: string, serviceAccount: string) => `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;

/** SPIFFE IDs of the service accounts running a service's pods (sorted, unique). */
function serviceAccountsOf(service: PilotService, instances: readonly ServiceInstance[], trustDomain: string): string[] {
  const ids = new Set(instances.filter((i) => i.service === service).map((i) => spiffeIdOf(trustDomain, i.workload.namespace, i.workload.serviceAccount ?? 'default')));
  return [...ids].sort(compareGoStrings);
}

export function buildClusters(node: PilotWorkload | undefined, services: readonly PilotService[], instances: readonly ServiceInstance[], opts: XdsOptions) {
  const clusters: Record<string, unknown>[] = [];
  if (node) {
    for (const p of inboundPorts(node, instances)) {
      clusters.push(cluster({ name: `in.${p.port}`, type: 'static', hosts: [{ url: `tcp://127.0.0.1:${p.port}` }], http2: p.protocol === 'HTTP2' || p.protocol === 'GRPC' }));
    }
  }
  for (const service of services) {
    const host = serviceHostname(service);
    for (const port of service.ports) {
      if ((port.protocol ?? 'TCP') === 'UDP') continue;
      const key = `${host}|${portKey(port)}`;
      const protocol = protocolOfPortName(port.name);
      const ssl = opts.mtls
        ? { cert_chain_file: CERTS.certChain, private_key_file: CERTS.key, ca_cert_file: CERTS.rootCert, verify_subject_alt_name: serviceAccountsOf(service, instances, opts.trustDomain) }
        : undefined;
      clusters.push(cluster({ name: `out.${key}`, serviceName: key, type: 'sds', ssl, http2: protocol === 'HTTP2' || protocol === 'GRPC' }));
    }
  }
  // Clusters.Normalize(): dedupe by name, sort by name.
  const seen = new Set<string>();
  const unique = clusters.filter((c) => (seen.has(c.name as string) ? false : (seen.add(c.name as string), true)));
  return { clusters: unique.sort((a, b) => compareGoStrings(a.name as string, b.name as string)) };
}

/** Longest common suffix of two dot-split names (Istio 0.7 sharedHost). */
function sharedSuffix(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i <= Math.min(a.length, b.length) && a[a.length - i] === b[b.length - i]; i++) out.unshift(a[a.length - i]);
  return out;
}

/**
 * Host names a client may use for a service port (Istio 0.7 BuildVirtualHost): the service name
 * cut down to what the proxy's domain (`<ns>.svc.cluster.local`) shares with it, each longer form up
 * to the FQDN, then the cluster IP; for every host `host:port` first, then the bare host.
 */
function domainsFor(service: PilotService, port: PilotServicePort, nodeDomain: string): string[] {
  const parts = serviceHostname(service).split('.');
  const shared = sharedSuffix(parts, nodeDomain.split('.'));
  const hosts: string[] = [];
  let host = parts.slice(0, parts.length - shared.length).join('.');
  if (host.length > 0) hosts.push(host);
  for (const part of shared) {
    host = host.length > 0 ? `${host}.${part}` : part;
    hosts.push(host);
  }
  if (service.clusterIP && service.clusterIP !== 'None') hosts.push(service.clusterIP);
  return hosts.flatMap((h) => [`${h}:${port.port}`, h]);
}

export function buildRoutes(routeConfigName: string, nodeDomain: string, services: readonly PilotService[]) {
  const hosts: Record<string, unknown>[] = [];
  for (const service of services) {
    if (!service.clusterIP || service.clusterIP === 'None') continue;
    for (const port of service.ports) {
      if (String(port.port) !== routeConfigName || !isHttpProtocol(protocolOfPortName(port.name))) continue;
      const key = `${serviceHostname(service)}|${portKey(port)}`;
      hosts.push({
        name: key,
        domains: domainsFor(service, port, nodeDomain),
        routes: [{ prefix: '/', cluster: `out.${key}`, timeout_ms: 0, decorator: { operation: `${serviceHostname(service)}:${port.port}/*` } }],
      });
    }
  }
  hosts.sort((a, b) => compareGoStrings(a.name as string, b.name as string));
  return { validate_clusters: true, virtual_hosts: hosts };
}

/** SDS (`/v1/registration/<host>|<port name>`): the pod endpoints of a service port. */
export function buildRegistration(serviceKey: string, instances: readonly ServiceInstance[]) {
  const hosts = instances
    .filter((i) => `${serviceHostname(i.service)}|${portKey(i.servicePort)}` === serviceKey)
    .map((i) => ({ ip_address: i.workload.ip, port: i.endpointPort }))
    .sort((a, b) => compareGoStrings(a.ip_address, b.ip_address) || a.port - b.port);
  return { hosts };
}

