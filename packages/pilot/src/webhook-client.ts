import * as http from 'node:http';
import * as path from 'node:path';
import { PilotInputError } from './pilot-model';

/**
 * Pilot's webhook client (pkg/util/webhookclient.go, Istio 0.6–0.8): `unix:///abs/path` dials the
 * socket for every request with base URL `http://unix`; `http://host[:port]` is used as the base.
 * Plain http.Client semantics: 15 s timeout for the whole exchange, any status accepted.
 */

export type WebhookEndpoint = { kind: 'unix'; socketPath: string; raw: string } | { kind: 'http'; host: string; port: number; basePath: string; raw: string };

export function parseWebhookEndpoint(raw: string): WebhookEndpoint {
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!path.isAbsolute(socketPath)) throw new PilotInputError(`webhookEndpoint ${JSON.stringify(raw)}: expected unix:///absolute/path`);
    return { kind: 'unix', socketPath, raw };
  }
  if (raw.startsWith('http://')) {
    const url = new URL(raw);
    return { kind: 'http', host: url.hostname, port: Number(url.port || 80), basePath: url.pathname.replace(/\/$/, ''), raw };
  }
  throw new PilotInputError(`webhookEndpoint ${JSON.stringify(raw)}: expected unix:///path or http://host[:port]`);
}

export type WebhookOutcome = { ok: true; status: number; body: Buffer } | { ok: false; error: string };

export const WEBHOOK_TIMEOUT_MS = 15_000;

/** POST `body` to `<base><urlPath>`; resolves with the answer or the transport error. */
export function callWebhook(endpoint: WebhookEndpoint, urlPath: string, body: string, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<WebhookOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: WebhookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const headers = {
      Host: endpoint.kind === 'unix' ? 'unix' : `${endpoint.host}:${endpoint.port}`,
      'User-Agent': 'Go-http-client/1.1',
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    };
    const target =
      endpoint.kind === 'unix'
        ? { socketPath: endpoint.socketPath, path: urlPath }
        : { host: endpoint.host, port: endpoint.port, path: `${endpoint.basePath}${urlPath}` };
    const req = http.request({ ...target, method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', (error) => finish({ ok: false, error: `reading webhook response: ${error.message}` }));
      res.on('aborted', () => finish({ ok: false, error: 'webhook response aborted' }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, error: `Client.Timeout exceeded while awaiting webhook (${timeoutMs} ms)` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => finish({ ok: false, error: error.message }));
    req.end(body);
  });
}
