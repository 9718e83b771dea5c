// Parse Pilot's v1 LDS JSON ({"listeners":[...]}, as possibly rewritten by Calico's pilot-webhook) into the
// small typed model the sidecar runs. Like Envoy, a config with any invalid part is rejected as a whole;
// every problem is reported with its JSON path.

export interface ScenarioAddress { ip: string; port: number }

export interface ExtAuthzFilterConfig {
  /** cluster holding the authorization service (`calico.dikastes` from the webhook) */
  clusterName: string;
  /** undefined = not set in the config (the sidecar option or the 200 ms default applies) */
  timeoutMs?: number;
  failureModeAllow?: boolean;
  statPrefix?: string;
  /** v2 (2019+) `with_request_body`: buffer the body and send it with the check (compat 'modern' only) */
  withRequestBody?: { maxRequestBytes: number; allowPartialMessage: boolean };
  /** v2 (2019+) `status_on_error` HttpStatus code (compat 'modern' only; default 403) */
  statusOnError?: number;
}

export type HttpFilterSpec =
  | { name: string; role: 'ext_authz'; config: ExtAuthzFilterConfig }
  | { name: string; role: 'router' }
  /** filters whose effect is outside alpsim's scope (mixer, cors, istio_authn, ...): pass the request on */
  | { name: string; role: 'noop' };

export interface RouteSpec { prefix?: string; path?: string; cluster: string }
export interface VirtualHostSpec { name: string; domains: string[]; routes: RouteSpec[] }

export interface SslContextSpec {
  certChainFile?: string;
  privateKeyFile?: string;
  caCertFile?: string;
  requireClientCertificate: boolean;
  alpnProtocols?: string[];
}

interface ListenerBase {
  name: string;
  address: ScenarioAddress;
  /** `http` / `tcp` / `mongo` / `redis`: the first part of the listener name */
  nameType: string;
  ssl?: SslContextSpec;
}

export interface HttpListenerSpec extends ListenerBase {
  kind: 'http';
  statPrefix: string;
  generateRequestId: boolean;
  httpFilters: HttpFilterSpec[];
  /** inline route_config; undefined when the HCM uses RDS (outbound listeners) */
  virtualHosts?: VirtualHostSpec[];
}

export type NetworkFilterSpec =
  | { name: string; role: 'ext_authz'; config: ExtAuthzFilterConfig }
  | { name: string; role: 'tcp_proxy'; routes: { cluster: string; destinationIpList?: string[] }[] }
  | { name: string; role: 'noop' };

export interface TcpListenerSpec extends ListenerBase {
  kind: 'tcp';
  networkFilters: NetworkFilterSpec[];
}

export type ListenerSpec = HttpListenerSpec | TcpListenerSpec;

export interface ParsedLds {
  listeners: ListenerSpec[];
  /** names of listeners present but not run (e.g. `virtual`) with the reason */
  skipped: { name: string; reason: string }[];
}

/** HTTP filters the 2018 Istio proxy knew; their data-plane effect is not simulated (pass-through). */
const NOOP_HTTP_FILTERS = new Set([
  'mixer', 'cors', 'envoy.cors', 'istio_authn', 'jwt-auth', 'fault', 'envoy.fault', 'buffer', 'envoy.buffer',
  'health_check', 'envoy.health_check', 'grpc_http1_bridge', 'envoy.grpc_http1_bridge', 'grpc_web',
  'envoy.grpc_web', 'gzip', 'envoy.gzip', 'rate_limit', 'envoy.rate_limit', 'ip_tagging', 'envoy.ip_tagging',
]);
const EXT_AUTHZ_NAMES = new Set(['envoy.ext_authz', 'envoy.filters.http.ext_authz', 'envoy.filters.network.ext_authz']);
const ROUTER_NAMES = new Set(['router', 'envoy.router', 'envoy.filters.http.router']);
const NOOP_NETWORK_FILTERS = new Set(['mixer', 'mongo_proxy', 'envoy.mongo_proxy', 'client_ssl_auth', 'ratelimit']);

export class LdsConfigError extends Error {
  readonly userError = true;
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: LDS config rejected (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  ${source}: ${p}`).join('\n'));
    this.name = 'LdsConfigError';
  }
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 1-based line:col of a character offset, for JSON syntax errors. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

function parseJsonText(text: string, source: string): Json {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    // Node reports a position for some syntax errors only; end of input is at the end.
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : /end of JSON input/.test(msg) ? text.length : undefined;
    const where = offset !== undefined ? `:${lineCol(text, offset)}` : '';
    const snippet = text.length > 60 ? `${text.slice(0, 60)}...` : text;
    throw new LdsConfigError(`${source}${where}`, [`not JSON (${msg}); body starts with ${JSON.stringify(snippet)}`]);
  }
}

/** `tcp://10.1.1.0:1081` → {ip, port}. */
export function parseListenerAddress(value: string): ScenarioAddress | undefined {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/]+):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { ip: m[1].replace(/^\[|\]$/g, ''), port };
}

/** A proto3-JSON Duration ("0.25s") or a number of milliseconds. */
function parseDurationMs(value: Json): number | undefined {
  if (typeof value === 'number' && value >= 0) return value;
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value);
    if (m) return Number(m[1]) * 1000;
  }
  return undefined;
}

class Collector {
  readonly problems: string[] = [];
  add(path: string, message: string): void { this.problems.push(`${path}: ${message}`); }
}

function parseExtAuthzConfig(config: Json, path: string, out: Collector, network: boolean): ExtAuthzFilterConfig | undefined {
  if (!isObject(config)) { out.add(path, 'expected an object'); return undefined; }
  // 2018 pilot-webhook shape: {"grpc_cluster":{"cluster_name":"calico.dikastes"}};
  // v2/v3 shape: {"grpc_service":{"envoy_grpc":{"cluster_name":...},"timeout":"0.2s"}}.
  let clusterName: string | undefined;
  let timeoutMs: number | undefined;
  const grpcCluster = config.grpc_cluster;
  const grpcService = config.grpc_service;
  if (grpcCluster !== undefined) {
    if (!isObject(grpcCluster) || typeof grpcCluster.cluster_name !== 'string' || grpcCluster.cluster_name === '') {
      out.add(`${path}.grpc_cluster.cluster_name`, 'expected a non-empty string');
      return undefined;
    }
    clusterName = grpcCluster.cluster_name;
    if (grpcCluster.timeout_ms !== undefined) {
      timeoutMs = parseDurationMs(grpcCluster.timeout_ms);
      if (timeoutMs === undefined) out.add(`${path}.grpc_cluster.timeout_ms`, 'expected a non-negative number');
    }
  } else if (grpcService !== undefined) {
    const envoyGrpc = isObject(grpcService) ? grpcService.envoy_grpc : undefined;
    if (!isObject(envoyGrpc) || typeof envoyGrpc.cluster_name !== 'string' || envoyGrpc.cluster_name === '') {
      out.add(`${path}.grpc_service.envoy_grpc.cluster_name`, 'expected a non-empty string (grpc_service: {} is invalid)');
      return undefined;
    }
    clusterName = envoyGrpc.cluster_name;
    if (isObject(grpcService) && grpcService.timeout !== undefined) {
      timeoutMs = parseDurationMs(grpcService.timeout);
      if (timeoutMs === undefined) out.add(`${path}.grpc_service.timeout`, 'expected a duration like "0.2s"');
    }
  } else {
    out.add(path, 'expected grpc_cluster.cluster_name or grpc_service.envoy_grpc.cluster_name');
    return undefined;
  }
  let failureModeAllow: boolean | undefined;
  if (config.failure_mode_allow !== undefined) {
    if (typeof config.failure_mode_allow !== 'boolean') out.add(`${path}.failure_mode_allow`, 'expected true or false');
    else failureModeAllow = config.failure_mode_allow;
  }
  let statPrefix: string | undefined;
  if (config.stat_prefix !== undefined) {
    if (typeof config.stat_prefix !== 'string') out.add(`${path}.stat_prefix`, 'expected a string');
    else statPrefix = config.stat_prefix;
  } else if (network) {
    // The v2 network filter requires stat_prefix; the 2018 webhook always sets it.
    out.add(`${path}.stat_prefix`, 'required for the network ext_authz filter');
  }
  let withRequestBody: ExtAuthzFilterConfig['withRequestBody'];
  if (config.with_request_body !== undefined) {
    const wrb = config.with_request_body;
    const max = isObject(wrb) ? wrb.max_request_bytes : undefined;
    if (!isObject(wrb) || typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      out.add(`${path}.with_request_body.max_request_bytes`, 'expected a positive integer');
    } else if (wrb.allow_partial_message !== undefined && typeof wrb.allow_partial_message !== 'boolean') {
      out.add(`${path}.with_request_body.allow_partial_message`, 'expected true or false');
    } else {
      withRequestBody = { maxRequestBytes: max, allowPartialMessage: wrb.allow_partial_message === true };
    }
  }
  let statusOnError: number | undefined;
  if (config.status_on_error !== undefined) {
    const code = isObject(config.status_on_error) ? config.status_on_error.code : undefined;
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599) out.add(`${path}.status_on_error.code`, 'expected an HTTP status code');
    else statusOnError = code;
  }
  return { clusterName, timeoutMs, failureModeAllow, statPrefix, withRequestBody, statusOnError };
}

function parseHttpFilters(filters: Json, path: string, out: Collector): HttpFilterSpec[] {
  if (!Array.isArray(filters)) { out.add(path, 'expected an array of HTTP filters'); return []; }
  const specs: HttpFilterSpec[] = [];
  filters.forEach((f, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(f) || typeof f.name !== 'string') { out.add(`${p}.name`, 'expected a string'); return; }
    if (f.type !== undefined && !['decoder', 'encoder', 'both', ''].includes(f.type as string)) {
      out.add(`${p}.type`, `expected "decoder", "encoder" or "both", got ${JSON.stringify(f.type)}`);
    }
    if (EXT_AUTHZ_NAMES.has(f.name)) {
      const config = parseExtAuthzConfig(f.config, `${p}.config`, out, false);
      if (config) specs.push({ name: f.name, role: 'ext_authz', config });
    } else if (ROUTER_NAMES.has(f.name)) {
      specs.push({ name: f.name, role: 'router' });
    } else if (NOOP_HTTP_FILTERS.has(f.name)) {
      specs.push({ name: f.name, role: 'noop' });
    } else {
      out.add(`${p}.name`, `unknown HTTP filter ${JSON.stringify(f.name)} (Envoy rejects a listener naming a filter it does not have)`);
    }
  });
  const routerAt = specs.findIndex((s) => s.role === 'router');
  if (specs.length > 0 && routerAt !== specs.length - 1) {
    out.add(path, routerAt < 0 ? 'the HTTP filter chain has no router filter' : 'the router filter must be the last HTTP filter');
  }
  return specs;
}

function parseRouteConfig(rc: Json, path: string, out: Collector): VirtualHostSpec[] {
  if (!isObject(rc) || !Array.isArray(rc.virtual_hosts)) { out.add(`${path}.virtual_hosts`, 'expected an array'); return []; }
  return rc.virtual_hosts.map((vh, i) => {
    const p = `${path}.virtual_hosts[${i}]`;
    if (!isObject(vh)) { out.add(p, 'expected an object'); return { name: '', domains: [], routes: [] }; }
    const domains = Array.isArray(vh.domains) && vh.domains.every((d) => typeof d === 'string') ? (vh.domains as string[]) : undefined;
    if (!domains) out.add(`${p}.domains`, 'expected an array of strings');
    const routes: RouteSpec[] = [];
    if (!Array.isArray(vh.routes)) out.add(`${p}.routes`, 'expected an array');
    else vh.routes.forEach((r, j) => {
      const rp = `${p}.routes[${j}]`;
      if (!isObject(r) || typeof r.cluster !== 'string') { out.add(`${rp}.cluster`, 'expected a string (weighted_clusters are not supported)'); return; }
      if (typeof r.prefix !== 'string' && typeof r.path !== 'string') { out.add(rp, 'expected "prefix" or "path"'); return; }
      routes.push({ cluster: r.cluster, prefix: typeof r.prefix === 'string' ? r.prefix : undefined, path: typeof r.path === 'string' ? r.path : undefined });
    });
    return { name: typeof vh.name === 'string' ? vh.name : '', domains: domains ?? [], routes };
  });
}

function parseSslContext(ssl: Json, path: string, out: Collector): SslContextSpec | undefined {
  if (ssl === undefined || ssl === null) return undefined;
  if (!isObject(ssl)) { out.add(path, 'expected an object'); return undefined; }
  const str = (k: string) => (typeof ssl[k] === 'string' ? (ssl[k] as string) : undefined);
  let alpnProtocols: string[] | undefined;
  if (typeof ssl.alpn_protocols === 'string') alpnProtocols = ssl.alpn_protocols.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    certChainFile: str('cert_chain_file'),
    privateKeyFile: str('private_key_file'),
    caCertFile: str('ca_cert_file'),
    requireClientCertificate: ssl.require_client_certificate === true,
    alpnProtocols,
  };
}

function parseNetworkFilters(filters: Json[], path: string, out: Collector): NetworkFilterSpec[] {
  const specs: NetworkFilterSpec[] = [];
  filters.forEach((f, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(f) || typeof f.name !== 'string') { out.add(`${p}.name`, 'expected a string'); return; }
    if (EXT_AUTHZ_NAMES.has(f.name)) {
      const config = parseExtAuthzConfig(f.config, `${p}.config`, out, true);
      if (config) specs.push({ name: f.name, role: 'ext_authz', config });
    } else if (f.name === 'tcp_proxy' || f.name === 'envoy.tcp_proxy') {
      const rc = isObject(f.config) ? f.config.route_config : undefined;
      const routes = isObject(rc) && Array.isArray(rc.routes) ? rc.routes : undefined;
      if (!routes) { out.add(`${p}.config.route_config.routes`, 'expected an array'); return; }
      const parsed: { cluster: string; destinationIpList?: string[] }[] = [];
      routes.forEach((r, j) => {
        if (!isObject(r) || typeof r.cluster !== 'string') { out.add(`${p}.config.route_config.routes[${j}].cluster`, 'expected a string'); return; }
        const ips = Array.isArray(r.destination_ip_list) ? r.destination_ip_list.filter((x): x is string => typeof x === 'string') : undefined;
        parsed.push({ cluster: r.cluster, destinationIpList: ips });
      });
      specs.push({ name: f.name, role: 'tcp_proxy', routes: parsed });
    } else if (f.name === 'redis_proxy' || f.name === 'envoy.redis_proxy') {
      // Terminal filter of Istio's redis_<ip>_<port> listeners (v1: cluster_name); alpsim relays the bytes.
      const cluster = isObject(f.config) ? f.config.cluster_name : undefined;
      if (typeof cluster !== 'string' || cluster === '') { out.add(`${p}.config.cluster_name`, 'expected a non-empty string'); return; }
      specs.push({ name: f.name, role: 'tcp_proxy', routes: [{ cluster }] });
    } else if (NOOP_NETWORK_FILTERS.has(f.name)) {
      specs.push({ name: f.name, role: 'noop' });
    } else {
      out.add(`${p}.name`, `unknown network filter ${JSON.stringify(f.name)}`);
    }
  });
  const proxyAt = specs.findIndex((s) => s.role === 'tcp_proxy');
  if (proxyAt >= 0 && proxyAt !== specs.length - 1) out.add(path, 'tcp_proxy must be the last network filter');
  if (proxyAt < 0) out.add(path, 'expected a terminal filter (http_connection_manager or tcp_proxy)');
  return specs;
}

/**
 * Parse v1 LDS JSON. `source` names where it came from (file name, URL) for error messages.
 * Throws LdsConfigError (userError) listing every problem.
 */
export function parseLds(input: string | object, source = 'LDS'): ParsedLds {
  const doc = typeof input === 'string' ? parseJsonText(input, source) : input;
  const out = new Collector();
  const listeners: ListenerSpec[] = [];
  const skipped: ParsedLds['skipped'] = [];
  if (!isObject(doc) || !Array.isArray(doc.listeners)) {
    throw new LdsConfigError(source, ['listeners: expected {"listeners": [...]}']);
  }
  const seen = new Set<string>();
  doc.listeners.forEach((l, i) => {
    const p = `listeners[${i}]`;
    if (!isObject(l)) { out.add(p, 'expected an object'); return; }
    if (typeof l.name !== 'string' || l.name === '') { out.add(`${p}.name`, 'expected a non-empty string'); return; }
    if (seen.has(l.name)) { out.add(`${p}.name`, `duplicate listener name ${JSON.stringify(l.name)}`); return; }
    seen.add(l.name);
    const address = typeof l.address === 'string' ? parseListenerAddress(l.address) : undefined;
    if (!address) { out.add(`${p}.address`, `expected "tcp://<ip>:<port>", got ${JSON.stringify(l.address)}`); return; }
    if (!Array.isArray(l.filters)) { out.add(`${p}.filters`, 'expected an array'); return; }
    if (l.name === 'virtual' || l.use_original_dst === true) {
      skipped.push({ name: l.name, reason: 'original-destination dispatch listener: alpsim binds each inbound listener directly' });
      return;
    }
    const nameType = l.name.split('_')[0];
    const ssl = parseSslContext(l.ssl_context, `${p}.ssl_context`, out);
    const hcmAt = l.filters.findIndex((f) => isObject(f) && f.name === 'http_connection_manager');
    if (hcmAt >= 0) {
      if (l.filters.length !== 1) out.add(`${p}.filters`, 'http_connection_manager must be the only network filter');
      const hcm = l.filters[hcmAt] as Record<string, Json>;
      const fp = `${p}.filters[${hcmAt}].config`;
      const config = isObject(hcm.config) ? hcm.config : {};
      if (!isObject(hcm.config)) out.add(fp, 'expected an object');
      const httpFilters = parseHttpFilters(config.filters, `${fp}.filters`, out);
      let virtualHosts: VirtualHostSpec[] | undefined;
      if (config.route_config !== undefined) virtualHosts = parseRouteConfig(config.route_config, `${fp}.route_config`, out);
      else if (config.rds === undefined) out.add(fp, 'expected route_config or rds');
      listeners.push({
        kind: 'http', name: l.name, address, nameType, ssl, httpFilters, virtualHosts,
        statPrefix: typeof config.stat_prefix === 'string' ? config.stat_prefix : 'http',
        generateRequestId: config.generate_request_id !== false,
      });
    } else {
      const networkFilters = parseNetworkFilters(l.filters, `${p}.filters`, out);
      listeners.push({ kind: 'tcp', name: l.name, address, nameType, ssl, networkFilters });
    }
  });
  if (out.problems.length > 0) throw new LdsConfigError(source, out.problems);
  return { listeners, skipped };
}

/** Inbound listeners are those on the workload's own IP (the pilot-webhook's rule: name part 1 == node IP). */
export function isInbound(listener: ListenerSpec, workloadIp: string): boolean {
  return listener.address.ip === workloadIp || listener.name.split('_')[1] === workloadIp;
}
