// HTTP decoder filters, run in listener order on each request's headers: ext_authz, pass-through
// filters, and the terminal router (forwarding to the upstream cluster with undici).
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AuthzClient } from './authz-client';
import { httpCheckRequest, type ConnectionInfo, type HttpAttributes } from './check-request';
import type { RouteSpec } from './lds';
import type { AuthzVerdict, Counters, LogSink } from './observability';

export type DownstreamRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type DownstreamResponse = http.ServerResponse | http2.Http2ServerResponse;

/** One request travelling through the filter chain (Envoy's ActiveStream). */
export interface ActiveStream {
  readonly listener: string;
  readonly conn: ConnectionInfo;
  readonly attrs: HttpAttributes;
  /** request headers to send upstream (lower-case; HCM additions applied, pseudo-headers removed) */
  readonly upstreamHeaders: Record<string, string | string[]>;
  readonly route: RouteSpec | undefined;
  readonly req: DownstreamRequest;
  readonly res: DownstreamResponse;
  readonly startedAt: number;
  verdict: AuthzVerdict;
  responseFlags: string;
  /** set when a filter consumed the request body (with_request_body): what the router sends upstream instead */
  upstreamBody?: { body: Buffer | Readable | undefined };
  /** modern ext_authz ok_response.response_headers_to_add, applied by the router to the upstream response */
  responseHeadersToAdd?: { key: string; value: string; append: boolean }[];
  /** registered by filters with pending work; called if the downstream resets first */
  onReset(cancel: () => void): void;
  readonly reset: boolean;
}

export type FilterStatus = 'continue' | 'stop';

export interface HttpFilter {
  readonly name: string;
  decodeHeaders(stream: ActiveStream): Promise<FilterStatus> | FilterStatus;
}

export interface FilterEnv {
  counters: Counters;
  log: LogSink;
  /** send a local reply (Envoy's sendLocalReply) and finish the stream */
  localReply(stream: ActiveStream, status: number, body?: string, flags?: string, headers?: Record<string, string[]>): void;
}

export interface ExtAuthzSettings {
  client: AuthzClient;
  timeoutMs: number;
  failureModeAllow: boolean;
  /** 'modern': honour denied_response status/body (v2alpha June 2018+); '2018': read status.code only */
  compat: '2018' | 'modern';
  /** whether the cluster manager knows a cluster (a route to an unknown cluster is not checked) */
  clusterExists: (name: string) => boolean;
  /** modern `with_request_body`: buffer up to maxRequestBytes and send it with the check */
  withRequestBody?: { maxRequestBytes: number; allowPartialMessage: boolean };
  /** modern `status_on_error` (default 403) */
  statusOnError?: number;
}

/** Reads the request body until it ends or exceeds `max` bytes (then the stream is left paused). */
function bufferRequestBody(req: Readable, max: number): Promise<{ data: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (ended: boolean) => { cleanup(); if (!ended) req.pause(); resolve({ data: Buffer.concat(chunks), ended }); };
    const onData = (chunk: Buffer) => { chunks.push(chunk); total += chunk.length; if (total > max) done(false); };
    const onEnd = () => done(true);
    const onError = (err: Error) => { cleanup(); reject(err); };
    const cleanup = () => { req.off('data', onData); req.off('end', onEnd); req.off('error', onError); };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

export class ExtAuthzHttpFilter implements HttpFilter {
  constructor(readonly name: string, private readonly settings: ExtAuthzSettings, private readonly env: FilterEnv) {}

  async decodeHeaders(stream: ActiveStream): Promise<FilterStatus> {
    const { counters, log } = this.env;
    const { client, timeoutMs, failureModeAllow, compat, clusterExists } = this.settings;
    // 2018 Envoy: no route (or no route entry / unknown cluster) ⇒ no check, the request continues.
    // Modern Envoy only skips when there is no route (spec §2.3).
    if (!stream.route || (compat === '2018' && !clusterExists(stream.route.cluster))) { stream.verdict = 'skipped_no_route'; return 'continue'; }
    if (compat === 'modern' && this.settings.withRequestBody) {
      // Envoy buffers the body for the check: up to max_request_bytes; a bigger body is cut there
      // (allow_partial_message, `x-envoy-auth-partial-body: true`) or hits the buffer limit (413).
      const { maxRequestBytes, allowPartialMessage } = this.settings.withRequestBody;
      const { data, ended } = await bufferRequestBody(stream.req as Readable, maxRequestBytes);
      if (stream.reset) return 'stop';
      if (!ended && !allowPartialMessage) {
        this.env.localReply(stream, 413, 'Payload Too Large', '-');
        return 'stop';
      }
      const partial = data.length > maxRequestBytes;
      stream.attrs.body = partial ? data.subarray(0, maxRequestBytes) : data;
      stream.attrs.headers['x-envoy-auth-partial-body'] = partial ? 'true' : 'false';
      if (ended) stream.upstreamBody = { body: data.length > 0 ? data : undefined };
      else {
        const rest = new PassThrough();
        rest.write(data);
        (stream.req as Readable).pipe(rest);
        stream.upstreamBody = { body: rest };
      }
    }
    const pending = client.check(httpCheckRequest(stream.conn, stream.attrs, compat === 'modern'), timeoutMs);
    stream.onReset(() => pending.cancel());
    const outcome = await pending.promise;
    if (stream.reset) return 'stop';
    counters.inc('ext_authz.total', stream.listener);
    switch (outcome.kind) {
      case 'ok':
        counters.inc('ext_authz.ok', stream.listener);
        stream.verdict = 'ok';
        if (compat === 'modern' && outcome.response.okResponse) applyOkResponse(stream, outcome.response.okResponse);
        return 'continue';
      case 'denied': {
        counters.inc('ext_authz.denied', stream.listener);
        stream.verdict = 'denied';
        const denied = compat === 'modern' ? outcome.response.deniedResponse : undefined;
        const status = denied?.status?.code && denied.status.code > 0 ? denied.status.code : 403;
        this.env.localReply(stream, status, denied?.body ?? '', 'UAEX', deniedHeaders(denied?.headers));
        return 'stop';
      }
      case 'error':
        counters.inc('ext_authz.error', stream.listener);
        log.event('authz', `Check on ${client.clusterName} (unix://${client.socketPath} ${client.path}) failed: ${outcome.detail}` +
          (failureModeAllow ? ' (failure_mode_allow: request continues)' : ' (request denied with 403)'), stream.listener);
        if (failureModeAllow) {
          counters.inc('ext_authz.failure_mode_allowed', stream.listener);
          stream.verdict = 'failure_mode_allowed';
          return 'continue';
        }
        stream.verdict = 'error';
        this.env.localReply(stream, compat === 'modern' ? this.settings.statusOnError ?? 403 : 403, '', 'UAEX');
        return 'stop';
    }
  }
}

interface HeaderOption { header?: { key?: string; value?: string } | null; append?: { value?: boolean } | null }

function headerOptions(list: unknown[] | undefined): { key: string; value: string; append: boolean }[] {
  return ((list ?? []) as HeaderOption[])
    .filter((o) => o?.header?.key)
    .map((o) => ({ key: o.header!.key!.toLowerCase(), value: o.header!.value ?? '', append: o.append?.value === true }));
}

/**
 * Modern Envoy (2019+, spec §2.3, §5.10): ok_response.headers mutate the request sent upstream —
 * append unset/false sets or overwrites, append=true joins onto an existing header with ',' and is
 * ignored when the header is absent; headers_to_remove cannot remove pseudo-headers or Host.
 */
function applyOkResponse(stream: ActiveStream, ok: { headers?: unknown[]; headersToRemove?: string[]; responseHeadersToAdd?: unknown[] }): void {
  const toResponse = headerOptions(ok.responseHeadersToAdd);
  if (toResponse.length > 0) stream.responseHeadersToAdd = toResponse;
  const target = stream.upstreamHeaders as Record<string, string | string[]>;
  for (const { key: rawKey, value, append } of headerOptions(ok.headers)) {
    const key = rawKey === ':authority' ? 'host' : rawKey;
    if (key.startsWith(':')) continue;
    const existing = target[key];
    if (!append) target[key] = value;
    else if (existing !== undefined) target[key] = `${Array.isArray(existing) ? existing.join(',') : existing},${value}`;
  }
  for (const raw of ok.headersToRemove ?? []) {
    const key = raw.toLowerCase();
    if (key.startsWith(':') || key === 'host') continue;
    delete target[key];
  }
}

/** denied_response.headers for the local reply: each name replaces a default, repeats are kept (Set-Cookie). */
function deniedHeaders(list: unknown[] | undefined): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const { key, value } of headerOptions(list)) (out[key] ??= []).push(value);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** mixer, cors, istio_authn and friends: their data-plane effect is not simulated. */
export class PassThroughFilter implements HttpFilter {
  constructor(readonly name: string) {}
  decodeHeaders(): FilterStatus { return 'continue'; }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings', 'trailer']);

export function stripHopByHop(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k.startsWith(':')) continue;
    out[k] = v;
  }
  return out;
}

export class RouterFilter implements HttpFilter {
  constructor(
    readonly name: string,
    private readonly upstream: (cluster: string) => Dispatcher | undefined,
    private readonly env: FilterEnv,
  ) {}

  async decodeHeaders(stream: ActiveStream): Promise<FilterStatus> {
    const { counters, log } = this.env;
    if (!stream.route) {
      this.env.localReply(stream, 404, '', 'NR');
      return 'stop';
    }
    const cluster = stream.route.cluster;
    const dispatcher = this.upstream(cluster);
    if (!dispatcher) {
      log.event('upstream', `route cluster ${cluster} is unknown`, stream.listener);
      this.env.localReply(stream, 503, 'no healthy upstream', 'UH');
      return 'stop';
    }
    const req = stream.req;
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0'
      || req.headers['transfer-encoding'] !== undefined
      || ('stream' in req && !(req.stream as http2.ServerHttp2Stream & { endAfterHeaders?: boolean }).endAfterHeaders);
    const sentAt = Date.now();
    let upstreamResponse: Dispatcher.ResponseData;
    try {
      upstreamResponse = await dispatcher.request({
        path: stream.attrs.path,
        method: stream.attrs.method as Dispatcher.HttpMethod,
        headers: stream.upstreamHeaders,
        body: stream.upstreamBody ? stream.upstreamBody.body : hasBody ? (req as Readable) : undefined,
      });
    } catch (err) {
      if (stream.reset) return 'stop';
      counters.inc('upstream_cx_connect_fail', stream.listener);
      log.event('upstream', `request to cluster ${cluster} failed: ${(err as Error).message}`, stream.listener);
      this.env.localReply(stream, 503, 'upstream connect error or disconnect/reset before headers', 'UF');
      return 'stop';
    }
    const status = upstreamResponse.statusCode;
    counters.inc(`upstream_rq_${status}`, stream.listener);
    counters.inc(`upstream_rq_${Math.floor(status / 100)}xx`, stream.listener);
    counters.inc('upstream_rq_completed', stream.listener);
    const headers = stripHopByHop(upstreamResponse.headers);
    // Envoy overwrites the server header and reports upstream time.
    headers.server = 'envoy';
    headers['x-envoy-upstream-service-time'] = String(Date.now() - sentAt);
    // ok_response.response_headers_to_add: append=true adds another value, otherwise the value replaces.
    for (const { key, value, append } of stream.responseHeadersToAdd ?? []) {
      if (key.startsWith(':')) continue;
      const existing = headers[key];
      headers[key] = append && existing !== undefined ? [...(Array.isArray(existing) ? existing : [existing]), value] : value;
    }
    const res = stream.res;
    if (stream.reset) { upstreamResponse.body.destroy(); return 'stop'; }
    (res as http.ServerResponse).writeHead(status, headers);
    await new Promise<void>((resolve) => {
      upstreamResponse.body.on('error', () => { res.destroy(); resolve(); });
      res.on('close', resolve);
      upstreamResponse.body.pipe(res as NodeJS.WritableStream);
    });
    return 'stop';
  }
}
