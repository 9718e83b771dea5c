import * as fs from 'node:fs';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { type HookResult, ldsHook } from './lds-hook';
import { type Logger, logrusLogger } from './logrus';

/**
 * Calico's pilot-webhook (projectcalico/pilot-webhook@bd069d7) re-implemented: a go-restful
 * service with four POST routes served over HTTP/1.1 on a Unix socket.
 */

export interface PilotWebhookOptions {
  /** Log at debug level (`--debug`). */
  debug?: boolean;
  /** Where logrus-style log lines go (default: stderr). */
  log?: (line: string) => void;
  /** Where undecodable LDS bodies are echoed, as the Go code printed them (default: stdout). */
  stdout?: (text: string) => void;
}

export interface PilotWebhook {
  socketPath: string;
  /** Stops listening, drops open connections and removes the socket file. */
  close(): Promise<void>;
  /** Requests answered and panics reproduced, for tests and diagnostics. */
  stats: { requests: number; panics: number };
}

type Handler = (params: Record<string, string>, body: Buffer, log: Logger, stdout: (text: string) => void) => HookResult;

const passThrough: Handler = (_params, body) => ({ status: 200, body });

interface Route {
  segments: string[];
  handler: Handler;
}

const ROUTES: Route[] = [
  { segments: ['v1', 'listeners', '{serviceCluster}', '{serviceNode}'], handler: (p, body, log, stdout) => ldsHook(p.serviceNode, body, log, stdout) },
  { segments: ['v1', 'clusters', '{serviceCluster}', '{serviceNode}'], handler: passThrough },
  { segments: ['v1', 'routes', '{routeConfigName}', '{serviceCluster}', '{serviceNode}'], handler: passThrough },
  { segments: ['v1', 'registration', '{serviceName}'], handler: passThrough },
];

function matchRoute(path: string): { route: Route; params: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  for (const route of ROUTES) {
    if (route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = route.segments.every((pattern, i) => {
      if (pattern.startsWith('{')) {
        if (segments[i] === '') return false;
        params[pattern.slice(1, -1)] = segments[i];
        return true;
      }
      return pattern === segments[i];
    });
    if (ok) return { route, params };
  }
  return undefined;
}

/** go-restful's Consumes(MIME_JSON) check (only for requests that declare a body). */
function consumesJson(contentType: string | undefined): boolean {
  const mime = contentType && contentType.length > 0 ? contentType : 'application/octet-stream';
  return mime.split(',').some((part) => {
    const type = part.split(';')[0].trim();
    return type === 'application/json';
  });
}

/** go-restful's Produces(MIME_JSON) check against Accept (missing Accept means anything). */
function acceptsJson(accept: string | undefined): boolean {
  const value = accept && accept.length > 0 ? accept : '*/*';
  return value.split(',').some((part) => {
    const type = part.split(';')[0];
    return type === '*/*' || type === 'application/json';
  });
}

/** What Go's http.DetectContentType says for our bodies (JSON and plain text sniff as text). */
function sniffContentType(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const head = body.subarray(0, 512);
  const binary = head.some((b) => b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b));
  return binary ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

function send(res: http.ServerResponse, status: number, body: Buffer): void {
  const headers: http.OutgoingHttpHeaders = { 'Content-Length': body.length };
  const type = sniffContentType(body);
  if (type) headers['Content-Type'] = type;
  res.writeHead(status, headers);
  res.end(body);
}

function removeStaleSocket(socketPath: string, logger: Logger): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return; // nothing there
  }
  try {
    if (stat.isDirectory()) fs.rmdirSync(socketPath);
    else fs.unlinkSync(socketPath);
  } catch (error) {
    logger.log('fatal', 'File exists and unable to remove.', { err: (error as Error).message, listen: socketPath });
    throw Object.assign(new Error(`${socketPath}: file exists and unable to remove: ${(error as Error).message}`), { userError: true, exitCode: 1 });
  }
}

export async function startPilotWebhook(socketPath: string, options: PilotWebhookOptions = {}): Promise<PilotWebhook> {
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger = logrusLogger(options.debug ? 'debug' : 'info', write);
  const stats = { requests: 0, panics: 0 };
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  removeStaleSocket(socketPath, logger);

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    stats.requests++;
    let match: ReturnType<typeof matchRoute>;
    let badUrl = false;
    try {
      match = matchRoute(decodeURIComponent(new URL(req.url ?? '/', 'http://unix').pathname));
    } catch {
      badUrl = true; // Go's net/http rejects an unparsable request URI before any handler runs
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => send(res, 500, Buffer.from('failed to read request')));
    req.on('end', () => {
      if (badUrl) return send(res, 400, Buffer.from('400 Bad Request'));
      // go-restful route selection: path (404), method (405), Content-Type (415), Accept (406).
      if (!match) return send(res, 404, Buffer.from('404: Page Not Found'));
      if (req.method !== 'POST') return send(res, 405, Buffer.from('405: Method Not Allowed'));
      if (Number(req.headers['content-length'] ?? 0) > 0 && !consumesJson(req.headers['content-type'])) {
        return send(res, 415, Buffer.from('415: Unsupported Media Type'));
      }
      if (!acceptsJson(req.headers.accept)) return send(res, 406, Buffer.from('406: Not Acceptable'));
      const result = match.route.handler(match.params, Buffer.concat(chunks), logger, stdout);
      if ('panic' in result) {
        // Go's net/http recovers a handler panic: it logs it and closes the connection unanswered.
        stats.panics++;
        write(`${new Date().toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/')} http: panic serving @: ${result.panic}`);
        res.socket?.destroy();
        return;
      }
      send(res, result.status, result.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      logger.log('fatal', 'Unable to listen.', { err: error.message, listen: socketPath });
      reject(Object.assign(new Error(`${socketPath}: unable to listen: ${error.message}`), { userError: true, exitCode: 1 }));
    });
    server.listen(socketPath, () => resolve());
  });
  try {
    fs.chmodSync(socketPath, 0o777); // anyone on the system (Pilot runs as another user) can connect
  } catch (error) {
    server.close();
    logger.log('fatal', 'Unable to set write permission on socket.');
    throw Object.assign(new Error(`${socketPath}: unable to set permissions: ${(error as Error).message}`), { userError: true, exitCode: 1 });
  }

  let closed: Promise<void> | undefined;
  return {
    socketPath,
    stats,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }).then(() => {
        // node removes the socket file on close; make sure even if it did not.
        fs.rmSync(socketPath, { force: true });
      });
      return closed;
    },
  };
}
