import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { goMarshalIndent } from './go-json';
import {
  type ParsedNode,
  type PilotService,
  type PilotWorkload,
  PilotInputError,
  type ServiceInstance,
  parseServiceNode,
  serviceInstances,
  sidecarNodeId,
  validateServices,
  validateWorkloads,
} from './pilot-model';
import { buildClusters, buildListeners, buildRegistration, buildRoutes, type XdsOptions } from './pilot-xds';
import { type WebhookEndpoint, WEBHOOK_TIMEOUT_MS, callWebhook, parseWebhookEndpoint } from './webhook-client';

export interface PilotFakeOptions {
  workloads?: PilotWorkload[];
  services?: PilotService[];
  /** `unix:///path/webhook.sock` or `http://host:port` (Pilot's --webhookEndpoint). */
  webhookEndpoint?: string;
  /** Pilot's --discovery_cache (default true). */
  cache?: boolean;
  /** Mesh authPolicy MUTUAL_TLS (default true). */
  mtls?: boolean;
  /** Trust domain of the SPIFFE IDs in verify_subject_alt_name (default cluster.local). */
  trustDomain?: string;
  /** Webhook client timeout (default 15 000 ms, as Pilot's http.Client). */
  webhookTimeoutMs?: number;
  /** Log lines (webhook errors on LDS, as Pilot logged them). */
  log?: (line: string) => void;
}

/** What Pilot answered Envoy. */
export interface DiscoveryResponse {
  status: number;
  body: string;
  /** `pilot` = own JSON, `webhook` = the webhook's body, `cache`, `fallback` = own JSON after a webhook transport error. */
  source: 'pilot' | 'webhook' | 'cache' | 'fallback' | 'error';
}

type Method = 'webhookListListeners' | 'webhookListClusters' | 'webhookListRoutes';

export interface PilotStats {
  webhookCalls: Record<Method, number>;
  webhookErrors: Record<Method, number>;
  cache: { hits: number; misses: number };
}

const emptyCounters = (): Record<Method, number> => ({ webhookListListeners: 0, webhookListClusters: 0, webhookListRoutes: 0 });

/**
 * A fake Istio 0.7 Pilot: v1 REST discovery (LDS/CDS/RDS/SDS) for the sidecars of a set of
 * workloads and services, with the `--webhookEndpoint` hook and the discovery cache.
 */
export class PilotFake {
  private workloads: PilotWorkload[] = [];
  private services: PilotService[] = [];
  private instances: ServiceInstance[] = [];
  private readonly webhook?: WebhookEndpoint;
  private readonly cacheEnabled: boolean;
  private readonly xdsOptions: XdsOptions;
  private readonly webhookTimeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly cache = new Map<string, string>();
  private readonly counters: PilotStats = { webhookCalls: emptyCounters(), webhookErrors: emptyCounters(), cache: { hits: 0, misses: 0 } };
  private servers: { close(): Promise<void> }[] = [];

  constructor(options: PilotFakeOptions = {}) {
    this.webhook = options.webhookEndpoint ? parseWebhookEndpoint(options.webhookEndpoint) : undefined;
    this.cacheEnabled = options.cache ?? true;
    this.xdsOptions = { mtls: options.mtls ?? true, trustDomain: options.trustDomain ?? 'cluster.local' };
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.log = options.log ?? (() => {});
    this.setConfig(options.workloads ?? [], options.services ?? []);
  }

  /** Replaces the workloads (validated first; on error nothing changes). Flushes the cache. */
  setWorkloads(workloads: PilotWorkload[]): void {
    this.setConfig(workloads, this.services);
  }

  /** Replaces the services (validated first; on error nothing changes). Flushes the cache. */
  setServices(services: PilotService[]): void {
    this.setConfig(this.workloads, services);
  }

  private setConfig(workloads: PilotWorkload[], services: PilotService[]): void {
    validateWorkloads(workloads);
    validateServices(services);
    this.workloads = workloads.map((w) => ({ ...w }));
    this.services = services.map((s) => ({ ...s }));
    this.instances = serviceInstances(this.services, this.workloads);
    this.cache.clear(); // Pilot flushes on any service, instance or config change
  }

  /** Node IDs of all workloads that run a sidecar. */
  nodeIds(): string[] {
    return this.workloads.filter((w) => w.sidecar !== false).map(sidecarNodeId);
  }

  /** Node ID of one workload (`sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`). */
  nodeId(namespace: string, name: string): string {
    const w = this.workloads.find((x) => x.namespace === namespace && x.name === name);
    if (!w) throw new PilotInputError(`no workload ${namespace}/${name}`);
    return sidecarNodeId(w);
  }

  stats(): PilotStats {
    return JSON.parse(JSON.stringify(this.counters)) as PilotStats;
  }

  private nodeWorkload(node: ParsedNode): PilotWorkload | undefined {
    return node.type === 'sidecar' ? this.workloads.find((w) => w.ip === node.ip && w.sidecar !== false) : undefined;
  }

  /** Pilot's own documents (before any webhook), as JS values. */
  listenersFor(node: string) {
    const parsed = parseServiceNode(node);
    return parsed.type === 'sidecar' ? buildListeners(this.nodeWorkload(parsed), this.services, this.instances, this.xdsOptions) : { listeners: [] };
  }

  clustersFor(node: string) {
    const parsed = parseServiceNode(node);
    return parsed.type === 'sidecar' ? buildClusters(this.nodeWorkload(parsed), this.services, this.instances, this.xdsOptions) : { clusters: [] };
  }

  routesFor(routeConfigName: string, node: string) {
    const parsed = parseServiceNode(node);
    return buildRoutes(routeConfigName, parsed.domain, this.services);
  }

  /** Convenience: what Envoy gets from `GET /v1/listeners/<serviceCluster>/<node>`. */
  async fetchListeners(node: string, serviceCluster = 'istio-proxy'): Promise<DiscoveryResponse> {
    return this.discover(`/v1/listeners/${serviceCluster}/${node}`);
  }

  /**
   * Answers one Envoy v1 discovery GET (path with optional query) exactly as Pilot served it,
   * including the webhook round trip and the cache.
   */
  async discover(urlPath: string): Promise<DiscoveryResponse> {
    let url: URL;
    let segments: string[];
    try {
      url = new URL(urlPath, 'http://pilot');
      segments = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
    } catch {
      return { status: 400, body: '400 Bad Request', source: 'error' };
    }
    const cacheKey = url.pathname + url.search;
    try {
      if (segments[0] === 'v1' && segments[1] === 'listeners' && segments.length === 4) {
        const doc = this.listenersFor(segments[3]);
        return this.withWebhook('webhookListListeners', cacheKey, url.pathname, doc, doc.listeners.length, 'LDS');
      }
      if (segments[0] === 'v1' && segments[1] === 'clusters' && segments.length === 4) {
        const doc = this.clustersFor(segments[3]);
        return this.withWebhook('webhookListClusters', cacheKey, url.pathname, doc, doc.clusters.length, 'CDS');
      }
      if (segments[0] === 'v1' && segments[1] === 'routes' && segments.length === 5) {
        const doc = this.routesFor(segments[2], segments[4]);
        return this.withWebhook('webhookListRoutes', cacheKey, url.pathname, doc, doc.virtual_hosts.length, 'RDS');
      }
      if (segments[0] === 'v1' && segments[1] === 'registration' && segments.length === 3) {
        return { status: 200, body: goMarshalIndent(buildRegistration(segments[2], this.instances), ' ', ' '), source: 'pilot' };
      }
      if (url.pathname === '/cache_stats') return { status: 200, body: goMarshalIndent(this.stats(), ' ', ' '), source: 'pilot' };
    } catch (error) {
      if (error instanceof PilotInputError) {
        const kind = segments[1] === 'clusters' ? 'CDS' : segments[1] === 'routes' ? 'RDS' : 'LDS';
        return { status: 404, body: `${kind} ${error.message}`, source: 'error' };
      }
      throw error;
    }
    return { status: 404, body: '404: Page Not Found', source: 'error' };
  }

  private async withWebhook(method: Method, cacheKey: string, urlPath: string, doc: unknown, count: number, kind: string): Promise<DiscoveryResponse> {
    if (this.cacheEnabled) {
      const cached = this.cache.get(cacheKey);
      if (cached !== undefined) {
        this.counters.cache.hits++;
        return { status: 200, body: cached, source: 'cache' };
      }
      this.counters.cache.misses++;
    }
    const own = goMarshalIndent(doc, ' ', ' ');
    let body = own;
    let source: DiscoveryResponse['source'] = 'pilot';
    if (this.webhook) {
      this.counters.webhookCalls[method]++;
      const outcome = await callWebhook(this.webhook, urlPath, own, this.webhookTimeoutMs);
      if (outcome.ok) {
        body = outcome.body.toString('utf8'); // served verbatim, whatever the status
        source = 'webhook';
      } else {
        this.counters.webhookErrors[method]++;
        if (kind === 'LDS') this.log(`error: webhook call for ${urlPath} failed, serving Pilot's own listeners: ${outcome.error}`);
        source = 'fallback';
      }
    }
    if (this.cacheEnabled && count > 0) this.cache.set(cacheKey, body);
    return { status: 200, body, source };
  }

  /**
   * Serves discovery over HTTP like Pilot's port 8080 (`GET /v1/...`, `/cache_stats`), on TCP
   * (`{host, port}`, default 127.0.0.1 and a free port) or a Unix socket (`{socketPath}`).
   */
  async listen(where: { host?: string; port?: number; socketPath?: string } = {}): Promise<{ url: string; socketPath?: string; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = http.createServer((req, res) => {
      req.resume();
      if (req.method !== 'GET') {
        res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8' }).end('405: Method Not Allowed');
        return;
      }
      this.discover(req.url ?? '/').then(
        (answer) => {
          const type = answer.status === 200 ? 'application/json' : 'text/plain; charset=utf-8';
          res.writeHead(answer.status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(answer.body) }).end(answer.body);
        },
        (error: Error) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`internal error: ${error.message}`),
      );
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    if (where.socketPath) fs.rmSync(where.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (where.socketPath) server.listen(where.socketPath, resolve);
      else server.listen(where.port ?? 0, where.host ?? '127.0.0.1', resolve);
    });
    const address = server.address();
    const url = where.socketPath ? 'http://unix' : `http://${where.host ?? '127.0.0.1'}:${(address as AddressInfo).port}`;
    let closing: Promise<void> | undefined;
    const handle = {
      url,
      socketPath: where.socketPath,
      close: () =>
        (closing ??= new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        })),
    };
    this.servers.push(handle);
    return handle;
  }

  /** Closes every server opened by listen(). */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    this.servers = [];
  }
}
