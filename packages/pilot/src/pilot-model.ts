import * as net from 'node:net';

/** Input problems (bad workload/service definitions, bad options). Printed without a stack by the CLI. */
export class PilotInputError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = 'PilotInputError';
  }
}

export interface PilotWorkloadPort {
  port: number;
  /** Istio 0.7 protocol convention: `<protocol>[-<suffix>]` (see protocolOfPortName). */
  name?: string;
  /** `TCP` (default) or `UDP` (ignored, as Istio ignored UDP). */
  protocol?: string;
}

export interface PilotWorkload {
  namespace: string;
  /** Pod name. */
  name: string;
  /** Pod IP (what the node ID and inbound listeners carry). */
  ip: string;
  ports?: PilotWorkloadPort[];
  /** Default `default` (the pod's service account). */
  serviceAccount?: string;
  /** Whether the pod has an Istio sidecar (a node that fetches xDS). Default true. */
  sidecar?: boolean;
  labels?: Record<string, string>;
}

export interface PilotServicePort {
  port: number;
  /** Pod port number, or the name of a pod port; default: same as `port`. */
  targetPort?: number | string;
  name?: string;
  protocol?: string;
}

export interface PilotService {
  namespace: string;
  name: string;
  /** Omitted or `None`: headless (no outbound listener). */
  clusterIP?: string;
  ports: PilotServicePort[];
  /** Pods in the same namespace whose labels contain all these pairs. */
  selector?: Record<string, string>;
}

export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'MONGO' | 'REDIS' | 'TCP';

/**
 * Istio 0.7 port naming: the part of the name before the first '-' (case-insensitive) names the
 * protocol; `http`, `http2` and `grpc` are HTTP(-ish), `mongo` gets a mongo listener, everything
 * else (`tcp`, `https`, `redis`, unnamed, unknown) is plain TCP in the v1 listeners Pilot built.
 */
export function protocolOfPortName(name: string | undefined): PortProtocol {
  const prefix = (name ?? '').split('-')[0].toLowerCase();
  switch (prefix) {
    case 'http':
      return 'HTTP';
    case 'http2':
      return 'HTTP2';
    case 'grpc':
      return 'GRPC';
    case 'mongo':
      return 'MONGO';
    case 'redis':
      return 'REDIS';
    default:
      return 'TCP';
  }
}

export const isHttpProtocol = (p: PortProtocol) => p === 'HTTP' || p === 'HTTP2' || p === 'GRPC';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function checkPort(value: unknown, where: string): void {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw new PilotInputError(`${where}: expected a port number 1-65535, got ${JSON.stringify(value)}`);
  }
}

function checkName(value: unknown, where: string, pattern: RegExp, what: string): void {
  if (typeof value !== 'string' || !pattern.test(value) || value.length > 253) {
    throw new PilotInputError(`${where}: expected ${what}, got ${JSON.stringify(value)}`);
  }
}

export function validateWorkloads(workloads: readonly PilotWorkload[]): void {
  const seenIps = new Map<string, string>();
  const seenNames = new Set<string>();
  workloads.forEach((w, i) => {
    const at = `workloads[${i}]`;
    checkName(w.namespace, `${at}.namespace`, DNS_LABEL, 'a namespace name (DNS label)');
    checkName(w.name, `${at}.name`, DNS_SUBDOMAIN, 'a pod name (DNS subdomain)');
    if (typeof w.ip !== 'string' || net.isIP(w.ip) === 0) throw new PilotInputError(`${at}.ip: expected an IP address, got ${JSON.stringify(w.ip)}`);
    if (w.serviceAccount !== undefined) checkName(w.serviceAccount, `${at}.serviceAccount`, DNS_SUBDOMAIN, 'a service account name');
    const key = `${w.namespace}/${w.name}`;
    if (seenNames.has(key)) throw new PilotInputError(`${at}: duplicate workload ${key}`);
    seenNames.add(key);
    const other = seenIps.get(w.ip);
    if (other) throw new PilotInputError(`${at}.ip: ${w.ip} is already used by ${other}`);
    seenIps.set(w.ip, key);
    (w.ports ?? []).forEach((p, j) => {
      checkPort(p.port, `${at}.ports[${j}].port`);
      if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) {
        throw new PilotInputError(`${at}.ports[${j}].protocol: expected TCP, UDP or SCTP, got ${JSON.stringify(p.protocol)}`);
      }
    });
  });
}

export function validateServices(services: readonly PilotService[]): void {
  const seen = new Set<string>();
  services.forEach((s, i) => {
    const at = `services[${i}]`;
    checkName(s.namespace, `${at}.namespace`, DNS_LABEL, 'a namespace name (DNS label)');
    checkName(s.name, `${at}.name`, DNS_LABEL, 'a service name (DNS label)');
    const key = `${s.namespace}/${s.name}`;
    if (seen.has(key)) throw new PilotInputError(`${at}: duplicate service ${key}`);
    seen.add(key);
    if (s.clusterIP !== undefined && s.clusterIP !== 'None' && net.isIP(s.clusterIP) === 0) {
      throw new PilotInputError(`${at}.clusterIP: expected an IP address or "None", got ${JSON.stringify(s.clusterIP)}`);
    }
    if (!Array.isArray(s.ports) || s.ports.length === 0) throw new PilotInputError(`${at}.ports: expected at least one port`);
    s.ports.forEach((p, j) => {
      checkPort(p.port, `${at}.ports[${j}].port`);
      if (typeof p.targetPort === 'number') checkPort(p.targetPort, `${at}.ports[${j}].targetPort`);
      if (s.ports.length > 1 && !p.name) throw new PilotInputError(`${at}.ports[${j}].name: required when a service has several ports`);
    });
  });
}

/** One (service port → pod port) pairing: what Istio calls a service instance. */
export interface ServiceInstance {
  service: PilotService;
  servicePort: PilotServicePort;
  workload: PilotWorkload;
  endpointPort: number;
  protocol: PortProtocol;
}

function selects(service: PilotService, workload: PilotWorkload): boolean {
  const selector = service.selector ?? {};
  if (service.namespace !== workload.namespace || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => workload.labels?.[k] === v);
}

export function serviceInstances(services: readonly PilotService[], workloads: readonly PilotWorkload[]): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  for (const service of services) {
    for (const workload of workloads) {
      if (!selects(service, workload)) continue;
      for (const servicePort of service.ports) {
        if ((servicePort.protocol ?? 'TCP') === 'UDP') continue;
        let endpointPort: number | undefined;
        if (typeof servicePort.targetPort === 'string') {
          endpointPort = workload.ports?.find((p) => p.name === servicePort.targetPort)?.port;
          if (endpointPort === undefined) continue; // named target port the pod does not expose
        } else {
          endpointPort = servicePort.targetPort ?? servicePort.port;
        }
        out.push({ service, servicePort, workload, endpointPort, protocol: protocolOfPortName(servicePort.name) });
      }
    }
  }
  return out;
}

export const DNS_DOMAIN = 'cluster.local';
export const serviceHostname = (s: Pick<PilotService, 'name' | 'namespace'>) => `${s.name}.${s.namespace}.svc.${DNS_DOMAIN}`;
/** Istio sidecar node ID: `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`. */
export const sidecarNodeId = (w: Pick<PilotWorkload, 'ip' | 'name' | 'namespace'>) => `sidecar~${w.ip}~${w.name}.${w.namespace}~${w.namespace}.svc.${DNS_DOMAIN}`;
/** Port key used in cluster names (`out.<host>|<port name>`): the name, or the number when unnamed. */
export const portKey = (p: PilotServicePort) => p.name || String(p.port);

export interface ParsedNode {
  type: string;
  ip: string;
  id: string;
  domain: string;
}

/** Pilot's ParseServiceNode rules: `<type>~<ip>~<id>~<domain>`, type sidecar|ingress|router, sidecars need an IP. */
export function parseServiceNode(node: string): ParsedNode {
  const parts = node.split('~');
  if (parts.length !== 4) throw new PilotInputError(`missing parts in the service node ${JSON.stringify(node)}`);
  const [type, ip, id, domain] = parts;
  if (!['sidecar', 'ingress', 'router'].includes(type)) throw new PilotInputError(`unsupported service node type ${JSON.stringify(type)} in ${JSON.stringify(node)}`);
  if (type === 'sidecar' && net.isIP(ip) === 0) throw new PilotInputError(`invalid IP address ${JSON.stringify(ip)} in ${JSON.stringify(node)}`);
  return { type, ip, id, domain };
}
