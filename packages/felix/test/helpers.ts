// Test helpers: hand-built DataplaneState snapshots and a real grpc-js Sync client.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { DataplaneState, IPSetInfo, PolicyInfo, ProfileInfo, WorkloadInfo } from '@alpsim/calico';
import { grpcUnixTarget, IPSetType, policySyncService, type Rule, type ToDataplane } from '@alpsim/proto';
import { payloadKind } from '../src/messages';

export function tempDir(prefix = 'felix-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface PodSpec {
  key: string; // ns/name
  ip: string;
  policies?: string[]; // ingress policy names in the default tier
  egress?: string[];
  profiles?: string[];
}

export function pod(spec: PodSpec): WorkloadInfo {
  const [namespace, name] = spec.key.split('/');
  const id = { orchestratorId: 'k8s', workloadId: spec.key, endpointId: 'eth0' };
  const tiers = spec.policies || spec.egress ? [{ name: 'default', ingressPolicies: spec.policies ?? [], egressPolicies: spec.egress ?? [] }] : [];
  return {
    key: spec.key,
    namespace,
    name,
    uid: `uid-${name}`,
    serviceAccount: 'default',
    labels: {},
    ips: [spec.ip],
    ports: [],
    id,
    endpoint: { state: 'active', name: `cali-${name}`, profileIds: spec.profiles ?? [`kns.${namespace}`], ipv4Nets: [`${spec.ip}/32`], tiers },
  };
}

export function policy(name: string, srcSets: string[] = [], extra: Partial<Rule> = {}): PolicyInfo {
  const rule: Rule = { action: 'allow', srcIpSetIds: srcSets, ...extra };
  return {
    id: { tier: 'default', name },
    policy: { inboundRules: [rule], outboundRules: [], namespace: '' },
    selector: 'all()',
    tier: 'default',
    ingress: true,
    egress: false,
    ipSetIds: srcSets,
  };
}

export function profile(name: string, sets: string[] = []): ProfileInfo {
  return { id: { name }, profile: { inboundRules: [{ action: 'allow', srcIpSetIds: sets }], outboundRules: [{ action: 'allow' }] }, labels: {}, ipSetIds: sets };
}

export function ipSet(id: string, members: Iterable<string>): IPSetInfo {
  return { id, type: IPSetType.NET, members: new Set(members), selector: `sel-${id}` };
}

export interface StateSpec {
  ipSets?: IPSetInfo[];
  policies?: PolicyInfo[];
  profiles?: ProfileInfo[];
  pods?: WorkloadInfo[];
  serviceAccounts?: { ns: string; name: string; labels?: Record<string, string> }[];
  namespaces?: { name: string; labels?: Record<string, string> }[];
}

export function state(spec: StateSpec): DataplaneState {
  return {
    compat: '3.2',
    ipSets: new Map((spec.ipSets ?? []).map((s) => [s.id, s])),
    policies: new Map((spec.policies ?? []).map((p) => [`${p.id.tier}|${p.id.name}`, p])),
    profiles: new Map((spec.profiles ?? []).map((p) => [p.id.name!, p])),
    endpoints: new Map((spec.pods ?? []).map((p) => [p.key, p])),
    serviceAccounts: new Map(
      (spec.serviceAccounts ?? []).map((sa) => [`${sa.ns}/${sa.name}`, { id: { namespace: sa.ns, name: sa.name }, labels: sa.labels ?? {} }]),
    ),
    namespaces: new Map((spec.namespaces ?? []).map((ns) => [ns.name, { id: { name: ns.name }, labels: ns.labels ?? {} }])),
    tiers: [{ name: 'default', defaultAction: 'Deny' }],
  };
}

/** A short description of a message: kind plus its main ID. */
export function describe(message: ToDataplane): string {
  const kind = payloadKind(message);
  const body = (message as Record<string, any>)[kind] ?? {};
  const id = body.id;
  if (typeof id === 'string') return `${kind}:${id}`;
  if (id && typeof id === 'object') return `${kind}:${id.name ?? ''}${id.workloadId ?? ''}${id.namespace ? '@' + id.namespace : ''}`;
  return kind;
}

export interface SyncClient {
  messages: ToDataplane[];
  /** Resolves once `count` messages have arrived in total. */
  waitForCount(count: number, timeoutMs?: number): Promise<ToDataplane[]>;
  /** Resolves with the final gRPC status of the stream. */
  status: Promise<grpc.StatusObject>;
  client: grpc.Client;
  call: grpc.ClientReadableStream<ToDataplane>;
  close(): void;
}

export function syncClient(socketPath: string, options: grpc.ChannelOptions = {}): SyncClient {
  const Ctor = grpc.makeGenericClientConstructor(policySyncService, 'PolicySync');
  const client = new Ctor(grpcUnixTarget(socketPath), grpc.credentials.createInsecure(), options);
  const call = (client as any).Sync({}) as grpc.ClientReadableStream<ToDataplane>;
  const messages: ToDataplane[] = [];
  const waiters: { count: number; resolve: (m: ToDataplane[]) => void }[] = [];
  call.on('data', (m: ToDataplane) => {
    messages.push(m);
    for (const w of [...waiters]) if (messages.length >= w.count) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(messages.slice());
    }
  });
  const status = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', () => undefined);
  });
  return {
    messages,
    client,
    call,
    status,
    waitForCount(count, timeoutMs = 5000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} messages; got ${messages.length}: ${messages.map(describe).join(', ')}`)), timeoutMs);
        waiters.push({ count, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
