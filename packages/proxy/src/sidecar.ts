// startSidecar: configure an Envoy-like sidecar from (webhook-modified) v1 LDS JSON — the bootstrap's
// cluster table, one bound listener per inbound LDS listener, and the outbound mTLS client.
import type { AuthzApiVersion } from '@alpsim/proto';
import { Pool, type Dispatcher } from 'undici';
import { AuthzClient } from './authz-client';
import { ClusterTable, describeEndpoint, type ClusterEndpoint } from './clusters';
import { HttpConnectionManager } from './http-connection-manager';
import { ExtAuthzHttpFilter, PassThroughFilter, RouterFilter, type FilterEnv, type HttpFilter } from './http-filters';
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
  /** 'envoy' (default): chain check against the root only, as Envoy's v1 ssl_context (spec §4.3); 'svid': also the X.509-SVID rules */
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
  /** the inbound listeners running now */
  readonly listeners: SidecarListener[];
  /** LDS listeners not run, with the reason (virtual, outbound) */
  readonly skipped: { name: string; reason: string }[];
  readonly counters: Counters;
  /** recent access-log lines and events, as given to the logger */
  logLines(): string[];
  /** the inbound listener for a scenario port (or by name) */
  listener(portOrName: number | string): SidecarListener | undefined;
  /**
   * Apply a new LDS response as Envoy does on a poll: a bad config is rejected whole (LdsConfigError,
   * counter listener_manager.lds.update_rejected) and the running listeners keep serving; a good one
   * keeps unchanged listeners, drains changed/removed ones (no new connections, open ones finish) and
   * starts changed/new ones (a changed listener keeps its real port).
   */
  updateLds(lds: string | object, source?: string): Promise<{ added: string[]; modified: string[]; removed: string[] }>;
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
  const sidecar = new EnvoyLikeSidecar(options);
  await sidecar.start();
  return sidecar;
}

interface RunningListener { spec: ListenerSpec; specJson: string; listener: BoundListener; view: SidecarListener }

class EnvoyLikeSidecar implements Sidecar {
  readonly counters = new Counters();
  readonly spiffeId: string;
  /** destination.principal (modern Envoy also tries a DNS SAN before the subject) */
  private readonly localPrincipal: string;
  skipped: { name: string; reason: string }[] = [];
  private readonly log: LogSink;
  private readonly clusters: ClusterTable;
  private readonly compat: '2018' | 'modern';
  private readonly peerIp: (remote: string) => string;
  // Cluster clients, shared by all listeners (as Envoy's cluster manager does).
  private readonly authzClients = new Map<string, AuthzClient>();
  private readonly pools = new Map<string, Pool>();
  private readonly outboundClients = new Map<string, ReturnType<typeof createMtlsClient>>();
  private running = new Map<string, RunningListener>();
  /** replaced listeners still finishing their open connections */
  private readonly draining = new Set<BoundListener>();
  private updating: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: SidecarOptions) {
    this.log = new LogSink(options.logger);
    this.clusters = new ClusterTable(options.clusters);
    this.compat = options.compat ?? '2018';
    this.peerIp = peerIpResolver(options.peerIps);
    let localCert;
    try {
      localCert = options.certs ? certificateFromPem(options.certs.certChainPem) : undefined;
    } catch (err) {
      throw configError(`certs.certChainPem: not a PEM certificate (${(err as Error).message})`);
    }
    this.spiffeId = principalOf(localCert);
    this.localPrincipal = principalOf(localCert, this.compat === 'modern');
  }

  get workloadIp(): string { return this.options.workloadIp; }
  get loopbackAddress(): string { return this.options.loopbackAddress; }
  get listeners(): SidecarListener[] { return [...this.running.values()].map((r) => r.view); }

  logLines(): string[] { return this.log.lines(); }

  listener(portOrName: number | string): SidecarListener | undefined {
    return this.listeners.find((l) => (typeof portOrName === 'number' ? l.scenarioAddress.port === portOrName : l.name === portOrName));
  }

  async start(): Promise<void> {
    try {
      await this.apply(this.options.lds, this.options.ldsSource ?? 'LDS');
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  updateLds(lds: string | object, source = 'LDS update'): Promise<{ added: string[]; modified: string[]; removed: string[] }> {
    // Updates are applied one at a time, in call order.
    const next = this.updating.then(() => this.apply(lds, source));
    this.updating = next.catch(() => undefined);
    return next;
  }

  /** Parse and validate everything first; only then touch running listeners. */
  private async apply(lds: string | object, source: string): Promise<{ added: string[]; modified: string[]; removed: string[] }> {
    this.counters.inc('listener_manager.lds.update_attempt');
    let inbound: ListenerSpec[];
    let skipped: { name: string; reason: string }[];
    try {
      const parsed = parseLds(lds, source);
      skipped = [...parsed.skipped];
      inbound = [];
      for (const spec of parsed.listeners) {
        if (isInbound(spec, this.options.workloadIp)) inbound.push(spec);
        else skipped.push({ name: spec.name, reason: 'outbound listener: use sidecar.request() for outbound traffic' });
      }
      for (const spec of inbound) this.checkClusters(spec);
    } catch (err) {
      if (this.running.size > 0 || this.draining.size > 0) {
        this.counters.inc('listener_manager.lds.update_rejected');
        this.log.event('config', `LDS update rejected, previous listeners keep serving: ${(err as Error).message}`);
      }
      throw err;
    }
    const added: string[] = [];
    const modified: string[] = [];
    const removed: string[] = [];
    const next = new Map<string, RunningListener>();
    const wanted = new Map(inbound.map((spec) => [spec.name, spec]));
    for (const [name, current] of this.running) {
      const spec = wanted.get(name);
      if (spec && JSON.stringify(spec) === current.specJson) { next.set(name, current); wanted.delete(name); continue; }
      this.drain(current.listener);
      if (!spec) removed.push(name);
    }
    for (const spec of wanted.values()) {
      const previous = this.running.get(spec.name);
      const port = previous ? previous.listener.address.port : this.options.listenPorts?.[spec.address.port] ?? 0;
      next.set(spec.name, await this.startListener(spec, port));
      (previous ? modified : added).push(spec.name);
    }
    this.running = next;
    this.skipped = skipped;
    const first = this.counters.get('listener_manager.lds.update_success') === 0;
    if (first) for (const s of skipped) this.log.event('config', `listener ${s.name} not run: ${s.reason}`);
    else this.log.event('config', `LDS update applied from ${source}: added [${added.join(', ')}], modified [${modified.join(', ')}], removed [${removed.join(', ')}]`);
    this.counters.inc('listener_manager.lds.update_success');
    return { added, modified, removed };
  }

  /** Config-time checks Envoy makes: the ext_authz gRPC cluster must exist (here: be a Unix socket). */
  private checkClusters(spec: ListenerSpec): void {
    const filters = spec.kind === 'http' ? spec.httpFilters : spec.networkFilters;
    for (const f of filters) if (f.role === 'ext_authz') this.authzFor(f.config, spec.name);
  }

  private authzFor(config: ExtAuthzFilterConfig, listener: string) {
    const endpoint = this.clusters.resolve(config.clusterName);
    if (!endpoint || endpoint.kind !== 'pipe') {
      throw configError(`listener ${listener}: ext_authz cluster ${JSON.stringify(config.clusterName)} is ${endpoint ? `not a Unix socket (${describeEndpoint(endpoint)})` : 'unknown'}; give it in options.clusters as "unix:///path"`);
    }
    let client = this.authzClients.get(config.clusterName);
    if (!client) {
      client = new AuthzClient(config.clusterName, endpoint.path, this.options.authzApiVersion ?? 'v2');
      this.authzClients.set(config.clusterName, client);
    }
    return {
      client,
      timeoutMs: this.options.authzTimeoutMs ?? config.timeoutMs ?? DEFAULT_AUTHZ_TIMEOUT_MS,
      failureModeAllow: this.options.failureModeAllow ?? config.failureModeAllow ?? false,
      withRequestBody: config.withRequestBody,
      statusOnError: config.statusOnError,
    };
  }

  private upstreamFor(cluster: string): Dispatcher | undefined {
    let pool = this.pools.get(cluster);
    if (pool) return pool;
    const endpoint: ClusterEndpoint | undefined = this.clusters.resolve(cluster);
    if (!endpoint) return undefined;
    pool = endpoint.kind === 'pipe'
      ? new Pool('http://localhost', { socketPath: endpoint.path })
      : new Pool(`http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`);
    this.pools.set(cluster, pool);
    return pool;
  }

  private chainFor(spec: ListenerSpec): NetworkChain {
    const { counters, log, clusters, compat } = this;
    if (spec.kind === 'http') {
      const buildFilters = (env: FilterEnv): HttpFilter[] => spec.httpFilters.map((f) => {
        if (f.role === 'ext_authz') {
          return new ExtAuthzHttpFilter(f.name, { ...this.authzFor(f.config, spec.name), compat, clusterExists: (n) => clusters.resolve(n) !== undefined }, env);
        }
        if (f.role === 'router') return new RouterFilter(f.name, (c) => this.upstreamFor(c), env);
        return new PassThroughFilter(f.name);
      });
      return new HttpConnectionManager({ spec, buildFilters, counters, log, compat });
    }
    const authzSpec = spec.networkFilters.find((f) => f.role === 'ext_authz');
    const authz = authzSpec && authzSpec.role === 'ext_authz'
      ? { ...this.authzFor(authzSpec.config, spec.name), statPrefix: authzSpec.config.statPrefix ?? 'ext_authz' }
      : undefined;
    return new TcpFilterChain({ spec, authz, resolveCluster: (n) => clusters.resolve(n), counters, log });
  }

  private async startListener(spec: ListenerSpec, bindPort: number): Promise<RunningListener> {
    const listener = new BoundListener({
      spec,
      bindHost: this.options.loopbackAddress,
      bindPort,
      certs: this.options.certs,
      localPrincipal: this.localPrincipal,
      clientCertPolicy: this.options.clientCertPolicy ?? 'envoy',
      dnsSanPrincipal: this.compat === 'modern',
      peerIp: this.peerIp,
      chain: this.chainFor(spec),
      counters: this.counters,
      log: this.log,
    });
    await listener.start();
    const filters = spec.kind === 'http' ? spec.httpFilters : spec.networkFilters;
    const view: SidecarListener = {
      name: spec.name, kind: spec.kind, scenarioAddress: spec.address, address: listener.address, tls: listener.tls,
      filters: filters.map((f) => f.name), extAuthz: filters.some((f) => f.role === 'ext_authz'),
    };
    return { spec, specJson: JSON.stringify(spec), listener, view };
  }

  private drain(listener: BoundListener): void {
    this.draining.add(listener);
    void listener.stopAccepting().then(() => this.draining.delete(listener));
  }

  async request(req: OutboundRequest): Promise<OutboundResult> {
    const { options, counters, log } = this;
    if (!options.certs) throw configError('sidecar.request: this sidecar has no certs (options.certs) to present');
    const expected = expectedIds(req.to);
    const key = `${req.to.loopbackAddress}:${req.to.listenPort}|${expected.join(',')}`;
    let client = this.outboundClients.get(key);
    if (!client) {
      client = createMtlsClient(req.to, { localAddress: options.loopbackAddress, certs: options.certs, expectedSpiffeIds: expected });
      this.outboundClients.set(key, client);
    }
    const startedAt = Date.now();
    const result = await sendRequest(client, req);
    const target = `${req.to.ip ?? req.to.loopbackAddress}:${req.to.port ?? req.to.listenPort}`;
    if (result.status === 0) {
      // What the app sees from its sidecar when the upstream TLS connection fails.
      counters.inc('outbound.upstream_cx_connect_fail');
      log.event('upstream', `outbound to ${target} failed: ${result.failure}`, `outbound|${target}`);
      this.outboundClients.delete(key);
      void client.destroy();
      return { status: 503, headers: { 'content-length': '57', 'content-type': 'text/plain' }, body: 'upstream connect error or disconnect/reset before headers', failure: result.failure };
    }
    counters.inc(`outbound.upstream_rq_${result.status}`);
    log.access({
      listener: `outbound|${target}`, protocol: 'HTTP/1.1', method: req.method ?? 'GET', path: req.path ?? '/',
      status: result.status, responseFlags: '-', verdict: 'unchecked',
      sourceAddress: `${options.workloadIp}:0`, sourcePrincipal: this.spiffeId, upstreamCluster: target,
      durationMs: Date.now() - startedAt,
    });
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.updating;
    await Promise.all([...this.running.values()].map((r) => r.listener.close()));
    await Promise.all([...this.draining].map((l) => l.close()));
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
    await Promise.all([...this.outboundClients.values()].map((c) => c.destroy()));
    for (const c of this.authzClients.values()) c.close();
  }
}
