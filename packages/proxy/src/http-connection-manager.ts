// Envoy's HTTP connection manager for one listener: codec (HTTP/1.1, or HTTP/2 when ALPN says h2),
// request-header mutation (x-request-id, x-forwarded-proto), route selection, then the HTTP filter chain
// in listener order, an access-log line and counters per request.
import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { ConnectionInfo, HttpAttributes } from './check-request';
import type { HttpListenerSpec, RouteSpec, VirtualHostSpec } from './lds';
import type { Counters, LogSink } from './observability';
import {
  stripHopByHop, type ActiveStream, type DownstreamRequest, type DownstreamResponse, type FilterEnv, type HttpFilter,
} from './http-filters';

const kConnection = Symbol('alpsim.connection');
type TaggedSocket = net.Socket & { [kConnection]?: ConnectionInfo };

/** HTTP status → gRPC status for local replies to gRPC requests (the gRPC HTTP-mapping table Envoy uses). */
function grpcStatusOf(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return 13; // INTERNAL
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED
    case 429: case 502: case 503: case 504: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}

/** gRPC's grpc-message encoding: bytes outside printable ASCII, and '%', as %XX. */
function grpcPercentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b < 0x20 || b > 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
}

/** Envoy's stream id: a random 64-bit number, rendered in decimal. */
function newStreamId(): string {
  // One randomBytes call per 512 ids: a call per request showed up in CPU profiles (randomFillSync).
  if (streamIdOffset + 8 > streamIdPool.length) {
    streamIdPool = randomBytes(STREAM_ID_POOL_BYTES);
    streamIdOffset = 0;
  }
  const id = streamIdPool.readBigUInt64BE(streamIdOffset);
  streamIdOffset += 8;
  return id.toString();
}
const STREAM_ID_POOL_BYTES = 8 * 512;
let streamIdPool = Buffer.alloc(0);
let streamIdOffset = 0;

function domainMatches(domain: string, host: string): boolean {
  if (domain === '*') return true;
  const h = host.toLowerCase();
  const d = domain.toLowerCase();
  if (d.startsWith('*')) return h.endsWith(d.slice(1));
  return h === d || h.replace(/:\d+$/, '') === d;
}

/** Virtual host by :authority (exact/suffix/'*'), then the first route whose path/prefix matches. */
export function selectRoute(virtualHosts: VirtualHostSpec[] | undefined, host: string, path: string): RouteSpec | undefined {
  if (!virtualHosts) return undefined;
  const exact = virtualHosts.find((vh) => vh.domains.some((d) => d !== '*' && !d.startsWith('*') && domainMatches(d, host)));
  const suffix = virtualHosts.find((vh) => vh.domains.some((d) => d.startsWith('*') && d !== '*' && domainMatches(d, host)));
  const vhost = exact ?? suffix ?? virtualHosts.find((vh) => vh.domains.includes('*'));
  if (!vhost) return undefined;
  const pathOnly = path.split('?')[0];
  return vhost.routes.find((r) => (r.path !== undefined ? pathOnly === r.path : path.startsWith(r.prefix ?? '/')));
}

export interface HcmOptions {
  spec: HttpListenerSpec;
  /** builds the listener's HTTP filters, in listener order, around this HCM's local-reply/log environment */
  buildFilters: (env: FilterEnv) => HttpFilter[];
  counters: Counters;
  log: LogSink;
  /** '2018': :scheme/scheme only for HTTP/2 and duplicate headers last-wins; 'modern': always :scheme, duplicates joined */
  compat: '2018' | 'modern';
}

export class HttpConnectionManager {
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly env: FilterEnv;
  private readonly filters: HttpFilter[];
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private draining = false;

  constructor(private readonly opts: HcmOptions) {
    const onRequest = (req: DownstreamRequest, res: DownstreamResponse) => { void this.onRequest(req, res); };
    this.h1 = http.createServer(onRequest as http.RequestListener);
    // The server never listens itself (connections are handed over); 'listening' turns on Node's
    // connection tracking, which closeIdleConnections/closeAllConnections and request timeouts need.
    this.h1.emit('listening');
    this.h2 = http2.createServer({}, onRequest as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    this.h2.on('sessionError', () => { /* the connection is gone; nothing to report per request */ });
    this.h2.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    this.env = { counters: opts.counters, log: opts.log, localReply: (s, status, body, flags, headers) => this.localReply(s, status, body, flags, headers) };
    this.filters = opts.buildFilters(this.env);
  }

  /** Take over an accepted (and, for mTLS, verified) downstream connection. */
  handleConnection(socket: net.Socket, conn: ConnectionInfo): void {
    (socket as TaggedSocket)[kConnection] = conn;
    const alpn = (socket as net.Socket & { alpnProtocol?: string | false }).alpnProtocol;
    if (alpn === 'h2') this.h2.emit('connection', socket);
    else this.h1.emit('connection', socket);
  }

  private connectionOf(req: DownstreamRequest): ConnectionInfo | undefined {
    const socket = ('stream' in req ? req.stream.session?.socket : req.socket) as TaggedSocket | undefined;
    return socket?.[kConnection];
  }

  /** Request headers as Envoy's header map: lower-case keys incl. pseudo-headers, Host folded into :authority. */
  private headerMap(req: DownstreamRequest, tls: boolean): { headers: Record<string, string>; protocol: string } {
    const isH2 = 'stream' in req;
    const headers: Record<string, string> = {};
    const raw = req.rawHeaders;
    const join = this.opts.compat === 'modern';
    for (let i = 0; i + 1 < raw.length; i += 2) {
      let key = raw[i].toLowerCase();
      if (key === 'host') key = ':authority';
      const value = raw[i + 1];
      headers[key] = join && headers[key] !== undefined ? `${headers[key]},${value}` : value;
    }
    if (!isH2) {
      headers[':method'] = req.method ?? 'GET';
      headers[':path'] = req.url ?? '/';
      if (this.opts.compat === 'modern') headers[':scheme'] = tls ? 'https' : 'http';
    }
    const protocol = isH2 ? 'HTTP/2' : req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
    // HCM's request-header mutation runs before the filters: hop-by-hop headers are gone from the map
    // (Connection/Upgrade are kept only for an HTTP/1.1 upgrade request).
    const isUpgrade = protocol === 'HTTP/1.1' && headers.upgrade !== undefined && /(^|,)\s*upgrade\s*(,|$)/i.test(headers.connection ?? '');
    if (!isUpgrade) { delete headers.connection; delete headers.upgrade; }
    for (const hopByHop of ['keep-alive', 'proxy-connection', 'transfer-encoding']) delete headers[hopByHop];
    return { headers, protocol };
  }

  private async onRequest(req: DownstreamRequest, res: DownstreamResponse): Promise<void> {
    const conn = this.connectionOf(req);
    const { spec, counters, log } = this.opts;
    if (!conn) { res.destroy(); return; }
    const startedAt = Date.now();
    counters.inc('downstream_rq_total', spec.name);
    // A draining HTTP/1 connection is closed after this response (Envoy's drain: "connection: close").
    if (this.draining && !('stream' in req)) res.setHeader('connection', 'close');
    const { headers, protocol } = this.headerMap(req, conn.tls);
    // HCM header mutation before any filter runs.
    if (!headers['x-forwarded-proto']) headers['x-forwarded-proto'] = conn.tls ? 'https' : 'http';
    if (spec.generateRequestId && !headers['x-request-id']) headers['x-request-id'] = randomUUID();
    const authority = headers[':authority'] ?? '';
    const path = headers[':path'] ?? '/';
    const attrs: HttpAttributes = {
      id: newStreamId(),
      method: headers[':method'] ?? 'GET',
      path,
      host: authority,
      scheme: headers[':scheme'] ?? '',
      headers,
      protocol,
      sourceService: headers['x-envoy-downstream-service-cluster'],
    };
    const upstreamHeaders = stripHopByHop(req.headers as Record<string, string | string[] | undefined>);
    upstreamHeaders.host = authority;
    upstreamHeaders['x-forwarded-proto'] = headers['x-forwarded-proto'];
    if (headers['x-request-id']) upstreamHeaders['x-request-id'] = headers['x-request-id'];

    const cancels: (() => void)[] = [];
    let finished = false;
    const stream: ActiveStream = {
      listener: spec.name, conn, attrs, upstreamHeaders, req, res, startedAt,
      route: selectRoute(spec.virtualHosts, authority, path),
      verdict: 'unchecked',
      responseFlags: '-',
      reset: false,
      onReset: (cancel) => { cancels.push(cancel); },
    };
    res.on('close', () => {
      if (!finished && !res.writableFinished) {
        (stream as { reset: boolean }).reset = true;
        for (const cancel of cancels) cancel();
      }
      this.logRequest(stream, res.statusCode);
    });
    res.on('finish', () => { finished = true; });

    for (const filter of this.filters) {
      let status;
      try {
        status = await filter.decodeHeaders(stream);
      } catch (err) {
        log.event('upstream', `filter ${filter.name} failed: ${(err as Error).message}`, spec.name);
        if (!res.headersSent) this.localReply(stream, 500, '', 'DPE');
        return;
      }
      if (status === 'stop' || stream.reset) return;
    }
  }

  private localReply(stream: ActiveStream, status: number, body = '', flags = '-', extraHeaders?: Record<string, string[]>): void {
    const { res } = stream;
    stream.responseFlags = flags;
    const { counters } = this.opts;
    if (flags === 'UAEX') {
      // Envoy charges the route's cluster for ext_authz local replies (no route: no cluster to charge).
      counters.inc(`upstream_rq_${status}`, stream.listener);
      counters.inc(`upstream_rq_${Math.floor(status / 100)}xx`, stream.listener);
    }
    if (res.headersSent || res.destroyed) return;
    const contentType = stream.attrs.headers['content-type'] ?? '';
    if (this.opts.compat === 'modern' && contentType.startsWith('application/grpc')) {
      // Modern Envoy's sendLocalReply answers a gRPC request with a trailers-only gRPC status (spec §2.3).
      const grpcHeaders: Record<string, string> = { 'content-type': 'application/grpc', 'grpc-status': String(grpcStatusOf(status)), server: 'envoy' };
      if (body) grpcHeaders['grpc-message'] = grpcPercentEncode(body);
      if ('stream' in stream.req) {
        // HEADERS with END_STREAM: what gRPC clients read as a trailers-only response.
        stream.req.stream.respond({ ':status': 200, ...grpcHeaders }, { endStream: true });
        (res as unknown as { emit(e: string): void }).emit('finish');
      } else {
        (res as http.ServerResponse).writeHead(200, grpcHeaders);
        res.end();
      }
      return;
    }
    const headers: Record<string, string | string[]> = { 'content-length': String(Buffer.byteLength(body)), server: 'envoy' };
    if (body) headers['content-type'] = 'text/plain';
    for (const [key, values] of Object.entries(extraHeaders ?? {})) {
      if (key.startsWith(':') || key === 'content-length') continue;
      headers[key] = values.length === 1 ? values[0] : values;
    }
    (res as http.ServerResponse).writeHead(status, headers);
    res.end(body);
  }

  private logRequest(stream: ActiveStream, status: number): void {
    const { counters, log } = this.opts;
    counters.inc(`downstream_rq_${Math.floor(status / 100)}xx`, stream.listener);
    log.access({
      listener: stream.listener,
      protocol: stream.attrs.protocol,
      method: stream.attrs.method,
      path: stream.attrs.path,
      authority: stream.attrs.host,
      status: stream.reset ? 0 : status,
      responseFlags: stream.reset ? 'DC' : stream.responseFlags,
      verdict: stream.verdict,
      sourceAddress: `${stream.conn.source.ip}:${stream.conn.source.port}`,
      sourcePrincipal: stream.conn.sourcePrincipal,
      upstreamCluster: stream.route?.cluster,
      durationMs: Date.now() - stream.startedAt,
      requestId: stream.attrs.headers['x-request-id'],
    });
  }

  /** Listener replaced or removed: finish in-flight requests, close idle HTTP/1 connections, GOAWAY HTTP/2. */
  drain(): void {
    this.draining = true;
    this.h1.closeIdleConnections();
    for (const session of this.sessions) session.close();
  }

  close(): void {
    this.h1.closeAllConnections();
    this.h1.close();
    for (const session of this.sessions) session.destroy();
  }
}
