// The policy-sync client (spec-dikastes §1.4, §2): an empty SyncRequest on felix.PolicySync/Sync,
// a fresh store per stream that becomes live at its first InSync, later updates applied in place,
// and a fixed 500 ms pause before reconnecting when the stream ends. A new channel is dialled for
// every attempt so grpc-js' own reconnect backoff never stretches the 500 ms.
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { grpcUnixTarget, policySyncService, unixSocketPath, type ToDataplane } from '@alpsim/proto';
import type { Compat } from './compat';
import { silentLogger, type Logger } from './log';
import { PolicyStore } from './store';

export const POLICY_SYNC_RETRY_MS = 500;

export interface PolicySyncOptions {
  /** Felix's policy-sync socket: a path or a `unix:` URI. */
  dial: string;
  compat?: Compat;
  logger?: Logger;
  retryMs?: number;
}

/**
 * Events: 'insync' (store) when a stream's store becomes live; 'stream-end' ({error?}) when a
 * stream ends; 'update-error' (message) for an update that was ignored; 'readiness' (bool).
 */
export class PolicySyncClient extends EventEmitter {
  private stopped = false;
  private client: grpc.Client | undefined;
  private call: grpc.ClientReadableStream<ToDataplane> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly retryMs: number;
  readonly target: string;
  /** Streams opened so far (for diagnostics and tests). */
  attempts = 0;

  constructor(private readonly options: PolicySyncOptions) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.retryMs = options.retryMs ?? POLICY_SYNC_RETRY_MS;
    this.target = grpcUnixTarget(unixSocketPath(options.dial));
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const call = this.call;
    this.call = undefined;
    if (call) call.cancel();
    this.client?.close();
    this.client = undefined;
  }

  private connect(): void {
    if (this.stopped) return;
    this.attempts++;
    const store = new PolicyStore({ compat: this.options.compat });
    const client = new grpc.Client(this.target, grpc.credentials.createInsecure());
    this.client = client;
    const method = policySyncService.Sync;
    this.logger.debug(`Connecting to policy sync at ${this.options.dial}`);
    const call = client.makeServerStreamRequest<object, ToDataplane>(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      {},
    );
    this.call = call;
    let started = false;
    let live = false;
    call.on('metadata', () => {
      started = true;
    });
    call.on('data', (message: ToDataplane) => {
      started = true;
      const result = store.apply(message);
      if (!result.ok) {
        this.logger.error(`Ignoring policy sync update: ${result.error}`);
        this.emit('update-error', result.error);
        return;
      }
      if (result.payload === 'inSync') {
        if (live) {
          const error = 'inSync: a second InSync on the same stream (the real one crashes); ignored';
          this.logger.error(`Ignoring policy sync update: ${error}`);
          this.emit('update-error', error);
          return;
        }
        live = true;
        this.logger.info('Policy sync is in sync; store is live');
        this.emit('insync', store);
        this.emit('readiness', true);
      } else if (this.logger.debugEnabled) {
        this.logger.debug(`Applied policy sync update ${result.payload}`);
      }
    });
    call.on('error', () => {
      // Reported through 'status'.
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (this.call !== call) return;
      this.call = undefined;
      client.close();
      if (this.client === client) this.client = undefined;
      if (this.stopped) return;
      const failedToStart = !started && status.code !== grpc.status.OK;
      if (status.code === grpc.status.OK) this.logger.warn('Policy sync stream ended');
      else this.logger.warn(`Policy sync stream failed: ${status.details || grpc.status[status.code]}`);
      // Readiness drops only when a Sync RPC fails to start, not when a live stream breaks (§1.4).
      if (failedToStart) this.emit('readiness', false);
      this.emit('stream-end', { code: status.code, details: status.details, wasLive: live });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.connect();
      }, this.retryMs);
    });
  }
}
