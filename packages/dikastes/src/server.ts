// `dikastes server`: ext_authz Check (v3, v2, v2alpha: one handler) and dikastes.Healthz on a Unix
// socket handled like the real one (§1.2), fed by the policy-sync client.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  AUTHZ_API_VERSIONS,
  CheckRequestType,
  authorizationService,
  encodeStatusResponse,
  grpcUnixTarget,
  healthzService,
  toProto3Json,
  unixSocketPath,
  type AuthzApiVersion,
  type CheckRequest,
  type HealthCheckResponse,
} from '@alpsim/proto';
import { Code, codeName } from './codes';
import { DEFAULT_COMPAT, type Compat } from './compat';
import { decodeCheckRequest } from './decode';
import { evaluateCheck, formatTrace } from './evaluate';
import { silentLogger, type Logger } from './log';
import type { PolicyStore } from './store';
import { PolicySyncClient } from './sync';

export const DEFAULT_LISTEN = '/var/run/dikastes/dikastes.sock';
export const DEFAULT_DIAL = 'localhost:50051';

export interface DikastesServerOptions {
  /** Listen socket path or `unix:` URI (default /var/run/dikastes/dikastes.sock). */
  listen?: string;
  /** Felix policy-sync socket path or `unix:` URI (default "localhost:50051", dialled as a path). */
  dial?: string;
  compat?: Compat;
  debug?: boolean;
  /** Log for every Check which tier/policy/rule decided, with the failing clause of each rule. */
  explain?: boolean;
  logger?: Logger;
  /** Pause before reconnecting to Felix (default 500 ms, as the real one). */
  retryMs?: number;
}

/** Events: 'insync' (store), 'stream-end', 'update-error' (text), 'check' ({code, apiVersion}). */
export interface DikastesServer extends EventEmitter {
  readonly listenPath: string;
  /** Readiness as dikastes.Healthz reports it. */
  readonly ready: boolean;
  /** The live store (null before the first InSync). */
  activeStore(): PolicyStore | null;
  /** Stop serving, stop syncing and remove the listen socket. */
  close(): Promise<void>;
}

/** Real-Dikastes handling of the listen path: remove whatever is there first. */
export function removeStaleSocket(socketPath: string): void {
  let exists = false;
  try {
    fs.lstatSync(socketPath);
    exists = true;
  } catch {
    exists = false;
  }
  if (!exists) return;
  try {
    fs.unlinkSync(socketPath);
  } catch (e) {
    throw Object.assign(new Error(`File exists and unable to remove: ${socketPath}: ${(e as Error).message}`), { userError: true });
  }
}

// Every Check answer is one of a handful of constant messages: encode them once.
const encodedResponses = new Map<number, Buffer>();
function encodedResponse(code: number): Buffer {
  let buf = encodedResponses.get(code);
  if (!buf) {
    buf = encodeStatusResponse(code);
    encodedResponses.set(code, buf);
  }
  return buf;
}
for (const code of Object.values(Code)) encodedResponse(code);

/** What the Check handler receives: the fields Dikastes reads, plus the raw bytes for debug logs. */
interface IncomingCheck {
  raw: Buffer;
  request: CheckRequest;
}

function rawResponseService(version: AuthzApiVersion): grpc.ServiceDefinition {
  const def = authorizationService(version);
  return {
    Check: {
      ...def.Check,
      // Malformed bytes throw here; grpc-js then fails the call with INTERNAL, as grpc-go does.
      requestDeserialize: (raw: Buffer): IncomingCheck => ({ raw, request: decodeCheckRequest(raw) }),
      responseSerialize: (value: Buffer) => value,
    },
  } as unknown as grpc.ServiceDefinition;
}

class Server extends EventEmitter implements DikastesServer {
  readonly listenPath: string;
  private active: PolicyStore | null = null;
  private readiness = false;
  // Channelz is never served here; with it on, grpc-js allocates a call tracker and closures per Check.
  private readonly grpcServer = new grpc.Server({ 'grpc.enable_channelz': 0 });
  private readonly sync: PolicySyncClient;
  private readonly logger: Logger;
  private readonly compat: Compat;
  private closed = false;
  private bound = false;

  constructor(private readonly options: DikastesServerOptions) {
    super();
    this.listenPath = unixSocketPath(options.listen ?? DEFAULT_LISTEN);
    this.logger = options.logger ?? silentLogger;
    this.compat = options.compat ?? DEFAULT_COMPAT;
    this.sync = new PolicySyncClient({
      dial: options.dial ?? DEFAULT_DIAL,
      compat: this.compat,
      logger: this.logger,
      retryMs: options.retryMs,
    });
    this.sync.on('insync', (store: PolicyStore) => {
      this.active = store; // one pointer write: each Check reads it once
      this.emit('insync', store);
    });
    this.sync.on('readiness', (ready: boolean) => {
      this.readiness = ready;
    });
    this.sync.on('stream-end', (info) => this.emit('stream-end', info));
    this.sync.on('update-error', (text) => this.emit('update-error', text));
  }

  get ready(): boolean {
    return this.readiness;
  }

  activeStore(): PolicyStore | null {
    return this.active;
  }

  async start(): Promise<void> {
    for (const version of AUTHZ_API_VERSIONS) {
      this.grpcServer.addService(rawResponseService(version), { Check: this.checkHandler(version) });
    }
    this.grpcServer.addService(healthzService as unknown as grpc.ServiceDefinition, {
      CheckReadiness: (_call: unknown, cb: grpc.sendUnaryData<HealthCheckResponse>) => cb(null, { healthy: this.readiness }),
      CheckLiveness: (_call: unknown, cb: grpc.sendUnaryData<HealthCheckResponse>) => cb(null, { healthy: true }),
    });
    removeStaleSocket(this.listenPath);
    await new Promise<void>((resolve, reject) => {
      this.grpcServer.bindAsync(grpcUnixTarget(this.listenPath), grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(Object.assign(new Error(`failed to listen on ${this.listenPath}: ${err.message}`), { userError: true })) : resolve(),
      );
    });
    this.bound = true;
    // "anyone on the system can connect"
    fs.chmodSync(this.listenPath, 0o777);
    this.logger.info(`Dikastes listening at ${this.listenPath} (compat ${this.compat})`);
    this.sync.start();
  }

  private checkHandler(version: AuthzApiVersion) {
    return (call: grpc.ServerUnaryCall<IncomingCheck, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const { raw, request } = call.request;
      let code: number;
      try {
        const outcome = evaluateCheck(this.active, request, {
          compat: this.compat,
          explain: this.options.explain === true,
          apiVersion: version,
        });
        code = outcome.code;
        if (outcome.error) this.logger.error(`Check answered INTERNAL: ${outcome.error}`);
        if (outcome.trace) this.logger.info(`Check (${version}) explain:\n${formatTrace(outcome.trace)}`);
      } catch (e) {
        code = Code.INTERNAL;
        this.logger.error(`Check failed unexpectedly: ${(e as Error).stack ?? String(e)}`);
      }
      if (this.logger.debugEnabled) {
        this.logger.debug(
          `Check request (${version}): ${JSON.stringify(toProto3Json(CheckRequestType, CheckRequestType.decode(raw)))} => ${codeName(code)}`,
        );
      }
      callback(null, encodedResponse(code));
      if (this.listenerCount('check') > 0) this.emit('check', { code, apiVersion: version });
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sync.stop();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpcServer.forceShutdown();
        resolve();
      }, 2000);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      if (this.bound) fs.unlinkSync(this.listenPath);
    } catch {
      // already gone (Node unlinks the socket it created when the listener closes)
    }
  }
}

/** Start a Dikastes server: listen, serve Check/Healthz and sync from Felix. */
export async function startDikastesServer(options: DikastesServerOptions = {}): Promise<DikastesServer> {
  const server = new Server(options);
  try {
    await server.start();
  } catch (e) {
    await server.close().catch(() => undefined);
    throw e;
  }
  return server;
}
