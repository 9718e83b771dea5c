// Pods from Pod / Deployment / StatefulSet / DaemonSet resources, named and addressed deterministically
// the way a one-node cluster would (Kubernetes naming schemes, Calico's default IPv4 pool).
import { createHash } from 'node:crypto';
import { formatIP, parseCidr, parseIP } from './net';
import type { LoadedResource, WorkloadPort } from './types';

export interface PodModel {
  namespace: string;
  name: string;
  uid: string;
  /** Raw pod labels. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccount: string;
  /** Explicit IPs from status (empty ⇒ allocate). */
  ips: string[];
  ports: WorkloadPort[];
  hostNetwork: boolean;
  /** A Pod whose status says Pending and carries no IP yet: Felix has no endpoint for it (§3.3). */
  pendingWithoutIP?: boolean;
  /** The controller (or Pod) resource it came from. */
  owner: LoadedResource;
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kubernetes' rand.SafeEncodeString alphabet (no vowels, no confusable digits). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Like pod-template-hash: SafeEncodeString(decimal FNV-32a of the template). */
export function templateHash(template: unknown): string {
  return safeEncode(String(fnv32a(stableJson(template))));
}

/** 5-character suffix (k8s uses random ones; ours derive from the owner and index). */
function podSuffix(seed: string): string {
  const d = createHash('sha1').update(seed).digest();
  let out = '';
  for (let i = 0; i < 5; i++) out += SAFE_ALPHABET[d[i] % SAFE_ALPHABET.length];
  return out;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Deterministic RFC-4122-shaped UID (name-based, SHA-1). */
export function deterministicUid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function podPorts(spec: Record<string, any>): WorkloadPort[] {
  const ports: WorkloadPort[] = [];
  const containers = [
    ...(spec.initContainers ?? []).map((c: unknown) => ({ c, init: true })),
    ...(spec.containers ?? []).map((c: unknown) => ({ c, init: false })),
  ];
  for (const { c, init } of containers as { c: any; init: boolean }[]) {
    for (const p of c?.ports ?? []) {
      if (typeof p?.containerPort !== 'number') continue;
      const port: WorkloadPort = { port: p.containerPort, protocol: (p.protocol as WorkloadPort['protocol']) ?? 'TCP' };
      if (init) port.initContainer = true;
      if (typeof p.name === 'string' && p.name) port.name = p.name;
      ports.push(port);
    }
  }
  return ports;
}

/** alpsim extension: `alpsim.io/ip: "10.65.0.10[,fd00::a]"` pins a pod's IPs (first replica only). */
export const IP_ANNOTATION = 'alpsim.io/ip';

function annotatedIPs(annotations: Record<string, string>): string[] {
  const v = annotations[IP_ANNOTATION];
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function podFromTemplate(owner: LoadedResource, name: string, extraLabels: Record<string, string>, template: Record<string, any>, replica = 0): PodModel {
  const spec = isObj(template.spec) ? template.spec : {};
  const annotations = stringMap(template.metadata?.annotations);
  return {
    namespace: owner.namespace,
    name,
    uid: deterministicUid(`pod/${owner.namespace}/${name}`),
    labels: { ...stringMap(template.metadata?.labels), ...extraLabels },
    annotations,
    serviceAccount: spec.serviceAccountName || spec.serviceAccount || 'default',
    ips: replica === 0 ? annotatedIPs(annotations) : [],
    ports: podPorts(spec),
    hostNetwork: spec.hostNetwork === true,
    owner,
  };
}

/** Every pod the resources describe, in input order. */
export function expandPods(resources: LoadedResource[]): PodModel[] {
  const pods: PodModel[] = [];
  for (const r of resources) {
    const o = r.object;
    const spec = isObj(o.spec) ? o.spec : {};
    switch (r.kind) {
      case 'Pod': {
        const status = isObj(o.status) ? o.status : {};
        if (status.phase === 'Succeeded' || status.phase === 'Failed') break; // terminated: no endpoint
        const ips: string[] = [];
        if (Array.isArray(status.podIPs)) for (const p of status.podIPs) if (typeof p?.ip === 'string' && p.ip) ips.push(p.ip);
        if (ips.length === 0 && typeof status.podIP === 'string' && status.podIP) ips.push(status.podIP);
        if (ips.length === 0) ips.push(...annotatedIPs(stringMap(o.metadata?.annotations)));
        pods.push({
          namespace: r.namespace,
          name: r.name,
          uid: typeof o.metadata?.uid === 'string' ? o.metadata.uid : deterministicUid(`pod/${r.namespace}/${r.name}`),
          labels: stringMap(o.metadata?.labels),
          annotations: stringMap(o.metadata?.annotations),
          serviceAccount: spec.serviceAccountName || spec.serviceAccount || 'default',
          ips,
          ports: podPorts(spec),
          hostNetwork: spec.hostNetwork === true,
          ...(status.phase === 'Pending' && ips.length === 0 ? { pendingWithoutIP: true } : {}),
          owner: r,
        });
        break;
      }
      case 'Deployment': {
        const tpl = isObj(spec.template) ? spec.template : {};
        const hash = templateHash(tpl);
        const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
        const rsName = `${r.name}-${hash}`;
        for (let i = 0; i < replicas; i++) {
          pods.push(podFromTemplate(r, `${rsName}-${podSuffix(`${r.namespace}/${rsName}/${i}`)}`, { 'pod-template-hash': hash }, tpl, i));
        }
        break;
      }
      case 'StatefulSet': {
        const tpl = isObj(spec.template) ? spec.template : {};
        const revision = `${r.name}-${templateHash(tpl)}`;
        const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
        for (let i = 0; i < replicas; i++) {
          const name = `${r.name}-${i}`;
          pods.push(
            podFromTemplate(r, name, {
              'controller-revision-hash': revision,
              'statefulset.kubernetes.io/pod-name': name,
              'apps.kubernetes.io/pod-index': String(i),
            }, tpl, i),
          );
        }
        break;
      }
      case 'DaemonSet': {
        // One node in the simulated cluster ⇒ one pod.
        const tpl = isObj(spec.template) ? spec.template : {};
        const name = `${r.name}-${podSuffix(`${r.namespace}/${r.name}/ds`)}`;
        pods.push(podFromTemplate(r, name, { 'controller-revision-hash': templateHash(tpl), 'pod-template-generation': '1' }, tpl));
        break;
      }
      default:
        break;
    }
  }
  return pods;
}

/**
 * Hands out pod IPs from a pool (default: Calico's default IPv4 pool 192.168.0.0/16), sticky per
 * pod key, never reusing an address; addresses given explicitly in pod status are skipped.
 */
export class IPAllocator {
  private readonly base: number;
  private readonly size: number;
  private next = 1;
  private readonly assigned = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(pool = '192.168.0.0/16') {
    const c = parseCidr(pool);
    if (!c || c.version !== 4) throw new Error(`IP pool must be an IPv4 CIDR, got ${pool}`);
    this.base = ((c.bytes[0] << 24) | (c.bytes[1] << 16) | (c.bytes[2] << 8) | c.bytes[3]) >>> 0;
    this.size = 2 ** (32 - c.prefix);
  }

  reserve(ip: string): void {
    const p = parseIP(ip);
    if (p) this.used.add(formatIP(p.version, p.bytes));
  }

  assign(key: string): string {
    const existing = this.assigned.get(key);
    if (existing) return existing;
    while (this.next < this.size) {
      const n = (this.base + this.next++) >>> 0;
      const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
      if (this.used.has(ip)) continue;
      this.used.add(ip);
      this.assigned.set(key, ip);
      return ip;
    }
    throw Object.assign(new Error('IP pool exhausted'), { userError: true });
  }

  clone(): IPAllocator {
    const c = Object.create(IPAllocator.prototype) as IPAllocator;
    Object.assign(c, this, { assigned: new Map(this.assigned), used: new Set(this.used) });
    return c;
  }
}
