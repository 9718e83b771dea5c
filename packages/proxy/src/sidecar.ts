// startSidecar: configure an Envoy-like sidecar from (webhook-modified) v1 LDS JSON — the bootstrap's
// cluster table, one bound listener per inbound LDS listener, and the outbound mTLS client.
import type { AuthzApiVersion } from '@alpsim/proto';
import { Pool, type Dispatcher } from 'undici';
import { AuthzClient } from './authz-client';
import { ClusterTable, describeEndpoint, type ClusterEndpoint } from './clusters';
import { HttpConnectionManager } from './http-connection-manager';
import { ExtAuthzHttpFilter, PassThroughFilter, RouterFilter, type HttpFilter } from './http-filters';
import { certificateFromPem, principalOf, type ClientCertPolicy } from './identity';
import { isInbound, parseLds, type ExtAuthzFilterConfig, type ListenerSpec, type ScenarioAddress } from './lds';
import { BoundListener, type NetworkChain, type SidecarCerts } from './listener';
import { Counters, LogSink, type Logger } from './observability';
import { createMtlsClient, expectedIds, sendRequest, type OutboundRequest, type OutboundResult } from './outbound';
import { TcpFilterChain } from './tcp-chain';

export const DEFAULT_AUTHZ_TIMEOUT_MS = 200;

export interface SidecarOptions {
  /** v1 LDS JSON ({"listeners":[...]}) as text or parsed */
  lds: string | object;
  /** where the LDS came from, for error messages (file name, URL) */
  ldsSource?: string;
  /** the workload's scenario (pod) IP — the IP inside inbound listener names */
  workloadIp: string;
  /** this workload's own loopback address (127.0.0.0/8): listeners bind here, outbound connections leave from here */
  loopbackAddress: string;
  /** scenario port → real port to bind; absent or 0 = ephemeral */
  listenPorts?: Record<number, number>;
  /** loopback address of a peer → that peer's scenario IP (so source.address carries scenario IPs) */
  peerIps?: Record<string, string> | Map<string, string> | ((loopback: string) => string | undefined);
  /** the workload's SVID and trust root (Istio's /etc/certs/{cert-chain,key,root-cert}.pem) */
  certs?: SidecarCerts;
  /**
   * cluster name → endpoint, as the bootstrap/CDS would define it: `calico.dikastes` → the Dikastes socket
   * (default /var/run/dikastes/dikastes.sock), `in.<port>` → the app (default 127.0.0.1:<port>).
   * Values: `unix:///path`, `/path`, `tcp://host:port`, `http://host:port`, `host:port`.
   */
  clusters?: Record<string, string>;
  /** Authorization service name to call: v2 (2018 default), v2alpha (Calico v3.2–3.7) or v3 */
  authzApiVersion?: AuthzApiVersion;
  /** gRPC timeout for Check; overrides the filter config; default 200 ms */
  authzTimeoutMs?: number;
  /** overrides the filter config's failure_mode_allow (default false: fail closed) */
  failureModeAllow?: boolean;
  /** 'svid' (default): client certificates must also be valid X.509-SVIDs; 'envoy': chain check only, as 2018 Envoy */
  clientCertPolicy?: ClientCertPolicy;
  /** '2018' (default): Envoy of the pilot-webhook era; 'modern': :scheme always, request.time, duplicate headers joined, denied_response honoured */
  compat?: '2018' | 'modern';
  /** receives every access-log line and event (TLS rejections, authz errors) */
  logger?: Logger;
}

export interface SidecarListener {
  name: string;
  kind: 'http' | 'tcp';
  /** the scenario address this listener stands for (pod IP and port) */
  scenarioAddress: ScenarioAddress;
  /** where it really listens */
  address: { host: string; port: number };
  tls: boolean;
  /** names of the filters in chain order */
  filters: string[];
  extAuthz: boolean;
}

export interface Sidecar {
  readonly workloadIp: string;
  readonly loopbackAddress: string;
  /** principal of this sidecar's certificate ('' without certs) */
  readonly spiffeId: string;
  readonly listeners: SidecarListener[];
  /** LDS listeners not run, with the reason (virtual, outbound) */
  readonly skipped: { name: string; reason: string }[];
  readonly counters: Counters;
  /** recent access-log lines and events, as given to the logger */
  logLines(): string[];
  /** the inbound listener for a scenario port (or by name) */
  listener(portOrName: number | string): SidecarListener | undefined;
  /** outbound request through this sidecar: mTLS from its loopback address, presenting its SVID */
  request(req: OutboundRequest): Promise<OutboundResult>;
  close(): Promise<void>;
}

function configError(message: string): Error {
  return Object.assign(new Error(message), { userError: true });
}

function peerIpResolver(peerIps: SidecarOptions['peerIps']): (remote: string) => string {
  const strip = (a: string) => a.replace(/^::ffff:/, '');
  if (!peerIps) return strip;
  if (typeof peerIps === 'function') return (r) => peerIps(strip(r)) ?? strip(r);
  const map = peerIps instanceof Map ? peerIps : new Map(Object.entries(peerIps));
  return (r) => map.get(strip(r)) ?? strip(r);
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const parsed = parseLds(options.lds, options.ldsSource ?? 'LDS');
  const counters = new Counters();
  const log = new LogSink(options.logger);
  const clusters = new ClusterTable(options.clusters);
  const compat = options.compat ?? '2018';
  const apiVersion = options.authzApiVersion ?? 'v2';
  const skipped = [...parsed.skipped];
  const inbound: ListenerSpec[] = [];
  for (const spec of parsed.listeners) {
    if (isInbound(spec, options.workloadIp)) inbound.push(spec);
    else skipped.push({ name: spec.name, reason: 'outbound listener: use sidecar.request() for outbound traffic' });
  }
  const localCert = options.certs ? certificateFromPem(options.certs.certChainPem) : undefined;
  const localPrincipal = principalOf(localCert);

  // Cluster clients, shared by all listeners (as Envoy's cluster manager does).
  const authzClients = new Map<string, AuthzClient>();
  const pools = new Map<string, Pool>();
  const authzFor = (config: ExtAuthzFilterConfig, listener: string) => {
    const endpoint = clusters.resolve(config.clusterName);
    if (!endpoint || endpoint.kind !== 'pipe') {
      throw configError(`listener ${listener}: ext_authz cluster ${JSON.stringify(config.clusterName)} is ${endpoint ? `not a Unix socket (${describeEndpoint(endpoint)})` : 'unknown'}; give it in options.clusters as "unix:///path"`);
    }
    let client = authzClients.get(config.clusterName);
    if (!client) { client = new AuthzClient(config.clusterName, endpoint.path, apiVersion); authzClients.set(config.clusterName, client); }
    return {
      client,
      timeoutMs: options.authzTimeoutMs ?? config.timeoutMs ?? DEFAULT_AUTHZ_TIMEOUT_MS,
      failureModeAllow: options.failureModeAllow ?? config.failureModeAllow ?? false,
    };
  };
  const upstreamFor = (cluster: string): Dispatcher | undefined => {
    let pool = pools.get(cluster);
    if (pool) return pool;
    const endpoint: ClusterEndpoint | undefined = clusters.resolve(cluster);
    if (!endpoint) return undefined;
    pool = endpoint.kind === 'pipe'
      ? new Pool('http://localhost', { socketPath: endpoint.path })
      : new Pool(`http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`);
    pools.set(cluster, pool);
    return pool;
  };

  const peerIp = peerIpResolver(options.peerIps);
  const bound: { listener: BoundListener; spec: ListenerSpec; filters: string[]; extAuthz: boolean }[] = [];
  try {
    for (const spec of inbound) {
      let chain: NetworkChain;
      let filterNames: string[];
      if (spec.kind === 'http') {
        filterNames = spec.httpFilters.map((f) => f.name);
        const buildFilters = (env: ConstructorParameters<typeof ExtAuthzHttpFilter>[2]): HttpFilter[] => spec.httpFilters.map((f) => {
          if (f.role === 'ext_authz') {
            return new ExtAuthzHttpFilter(f.name, { ...authzFor(f.config, spec.name), compat, clusterExists: (n) => clusters.resolve(n) !== undefined }, env);
          }
          if (f.role === 'router') return new RouterFilter(f.name, upstreamFor, env);
          return new PassThroughFilter(f.name);
        });
        chain = new HttpConnectionManager({ spec, buildFilters, counters, log, compat });
      } else {
        filterNames = spec.networkFilters.map((f) => f.name);
        const authzSpec = spec.networkFilters.find((f) => f.role === 'ext_authz');
        const authz = authzSpec && authzSpec.role === 'ext_authz'
          ? { ...authzFor(authzSpec.config, spec.name), statPrefix: authzSpec.config.statPrefix ?? 'ext_authz' }
          : undefined;
        chain = new TcpFilterChain({ spec, authz, resolveCluster: (n) => clusters.resolve(n), counters, log });
      }
      const listener = new BoundListener({
        spec,
        bindHost: options.loopbackAddress,
        bindPort: options.listenPorts?.[spec.address.port] ?? 0,
        certs: options.certs,
        localPrincipal,
        clientCertPolicy: options.clientCertPolicy ?? 'svid',
        peerIp,
        chain,
        counters,
        log,
      });
      await listener.start();
      bound.push({ listener, spec, filters: filterNames, extAuthz: filterNames.some((n) => n.endsWith('ext_authz')) });
    }
  } catch (err) {
    await Promise.all(bound.map((b) => b.listener.close()));
    for (const c of authzClients.values()) c.close();
    throw err;
  }

  const listeners: SidecarListener[] = bound.map(({ listener, spec, filters, extAuthz }) => ({
    name: spec.name, kind: spec.kind, scenarioAddress: spec.address, address: listener.address,
    tls: listener.tls, filters, extAuthz,
  }));
  for (const s of skipped) log.event('config', `listener ${s.name} not run: ${s.reason}`);

  const outboundClients = new Map<string, ReturnType<typeof createMtlsClient>>();
  let closed = false;
  return {
    workloadIp: options.workloadIp,
    loopbackAddress: options.loopbackAddress,
    spiffeId: localPrincipal,
    listeners,
    skipped,
    counters,
    logLines: () => log.lines(),
    listener: (portOrName) => listeners.find((l) => (typeof portOrName === 'number' ? l.scenarioAddress.port === portOrName : l.name === portOrName)),
    async request(req) {
      if (!options.certs) throw configError('sidecar.request: this sidecar has no certs (options.certs) to present');
      const expected = expectedIds(req.to);
      const key = `${req.to.loopbackAddress}:${req.to.listenPort}|${expected.join(',')}`;
      let client = outboundClients.get(key);
      if (!client) {
        client = createMtlsClient(req.to, { localAddress: options.loopbackAddress, certs: options.certs, expectedSpiffeIds: expected });
        outboundClients.set(key, client);
      }
      const startedAt = Date.now();
      const result = await sendRequest(client, req);
      const target = `${req.to.ip ?? req.to.loopbackAddress}:${req.to.port ?? req.to.listenPort}`;
      if (result.status === 0) {
        // What the app sees from its sidecar when the upstream TLS connection fails.
        counters.inc('outbound.upstream_cx_connect_fail');
        log.event('upstream', `outbound to ${target} failed: ${result.failure}`, `outbound|${target}`);
        outboundClients.delete(key);
        void client.destroy();
        return { status: 503, headers: { 'content-length': '57', 'content-type': 'text/plain' }, body: 'upstream connect error or disconnect/reset before headers', failure: result.failure };
      }
      counters.inc(`outbound.upstream_rq_${result.status}`);
      log.access({
        listener: `outbound|${target}`, protocol: 'HTTP/1.1', method: req.method ?? 'GET', path: req.path ?? '/',
        status: result.status, responseFlags: '-', verdict: 'unchecked',
        sourceAddress: `${options.workloadIp}:0`, sourcePrincipal: localPrincipal, upstreamCluster: target,
        durationMs: Date.now() - startedAt,
      });
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(bound.map((b) => b.listener.close()));
      await Promise.all([...pools.values()].map((p) => p.destroy()));
      await Promise.all([...outboundClients.values()].map((c) => c.destroy()));
      for (const c of authzClients.values()) c.close();
    },
  };
}
