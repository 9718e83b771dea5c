// FelixServer: felix.PolicySync/Sync over plaintext gRPC on per-workload Unix sockets.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { DataplaneState } from '@alpsim/calico';
import type { ToDataplane } from '@alpsim/proto';
import { AuthorityRewriter } from './authority';
import { Binder, type BinderOptions } from './binder';
import { ClientStream, type ClientBufferOptions, type ClientEndReason } from './client-stream';
import { PolicySyncProcessor } from './processor';
import { cachingPolicySyncService } from './service';

export interface FelixServerOptions extends ClientBufferOptions {
  /**
   * Accept HTTP/2 requests whose `:authority` is not a valid authority (a real Go Dikastes sends its
   * `-d` socket path, e.g. `/var/run/felix/nodeagent/socket`, which Node's HTTP/2 layer would reset).
   * Default true; each connection's request headers are then re-encoded with `:authority: localhost`.
   */
  acceptPathAuthority?: boolean;
  /** Receives one line per notable event (joins, leaves, evictions, binder changes). */
  log?: (line: string) => void;
}

/** One Unix socket serving one workload. */
export interface WorkloadListener {
  readonly workloadKey: string;
  readonly socketPath: string;
  close(): Promise<void>;
}

export interface ClientEvent {
  workloadKey: string;
  joinId: number;
  reason: ClientEndReason;
}

export class FelixServer {
  readonly processor = new PolicySyncProcessor();
  private readonly listeners = new Set<SocketListener>();
  private readonly binders = new Set<Binder>();
  private readonly endHandlers: ((event: ClientEvent) => void)[] = [];
  private closed = false;
  /** Bumped per snapshot change and per join: a client's buffer bound counts earlier batches only. */
  private batch = 0;

  constructor(private readonly options: FelixServerOptions = {}) {}

  /** Apply a new snapshot; every connected client receives what Felix would send it. */
  setState(state: DataplaneState): void {
    this.batch++;
    this.processor.setState(state);
  }

  /** Serve `workloadKey` ("<ns>/<pod>") on `socketPath` (a stale file there is replaced). */
  async listenWorkload(workloadKey: string, socketPath: string): Promise<WorkloadListener> {
    if (this.closed) throw new Error('FelixServer is closed');
    const listener = new SocketListener(this, workloadKey, socketPath, this.options);
    await listener.start();
    this.listeners.add(listener);
    listener.onClose(() => this.listeners.delete(listener));
    this.log(`listening for ${workloadKey} on ${socketPath}`);
    return listener;
  }

  /**
   * The pod2daemon binder layout: poll `<prefix>/creds/*.json` and serve each workload on
   * `<prefix>/mount/<uid>/socket` until its creds file disappears.
   */
  async listenBinder(prefix: string, options: BinderOptions = {}): Promise<Binder> {
    if (this.closed) throw new Error('FelixServer is closed');
    const binder = new Binder(this, prefix, options, (line) => this.log(line));
    await binder.start();
    this.binders.add(binder);
    return binder;
  }

  /** Workloads with a connected Sync stream. */
  connectedWorkloads(): string[] {
    return this.processor.connectedWorkloads();
  }

  /** Called whenever a client stream ends (OK, overflow, or closed by the client). */
  onClientEnd(handler: (event: ClientEvent) => void): void {
    this.endHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const binder of [...this.binders]) await binder.close();
    this.binders.clear();
    this.processor.endAll();
    await Promise.all([...this.listeners].map((l) => l.close()));
  }

  /** @internal The Sync handler for a socket bound to `workloadKey`. */
  handleSync(workloadKey: string, call: grpc.ServerWritableStream<object, ToDataplane>): void {
    let joinId = 0;
    let client: ReturnType<PolicySyncProcessor['join']> | undefined;
    const stream = new ClientStream(call, this.options, () => this.batch, (reason) => {
      if (client) this.processor.leave(client);
      this.log(`client ${workloadKey} (join ${joinId}) ended: ${reason}`);
      for (const handler of this.endHandlers) handler({ workloadKey, joinId, reason });
    });
    this.batch++;
    client = this.processor.join(workloadKey, stream);
    joinId = client.joinId;
    const pathAuthority = call.metadata.get('x-alpsim-original-authority')[0];
    const via = pathAuthority ? ` (:authority ${decodeURIComponent(String(pathAuthority))} accepted as localhost)` : '';
    this.log(`client ${workloadKey} joined (join ${joinId})${via}`);
  }

  /** @internal */
  log(line: string): void {
    this.options.log?.(line);
  }
}

/** A grpc.Server dedicated to one socket, so the workload comes from the socket, never the request. */
class SocketListener implements WorkloadListener {
  private readonly grpcServer = new grpc.Server();
  private readonly netServer: net.Server;
  private readonly connections = new Set<net.Socket>();
  private readonly closeHandlers: (() => void)[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly felix: FelixServer,
    readonly workloadKey: string,
    readonly socketPath: string,
    private readonly options: FelixServerOptions,
  ) {
    this.grpcServer.addService(cachingPolicySyncService, {
      Sync: (call: grpc.ServerWritableStream<object, ToDataplane>) => felix.handleSync(workloadKey, call),
    });
    const injector = this.grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    this.netServer = net.createServer((socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
      injector.injectConnection(options.acceptPathAuthority === false ? socket : new AuthorityRewriter(socket));
    });
  }

  async start(): Promise<void> {
    removeStaleSocket(this.socketPath);
    await new Promise<void>((resolve, reject) => {
      this.netServer.once('error', reject);
      this.netServer.listen(this.socketPath, () => {
        this.netServer.off('error', reject);
        resolve();
      });
    });
  }

  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.netServer.close(() => resolve());
      this.grpcServer.forceShutdown();
      for (const socket of this.connections) socket.destroy();
      for (const handler of this.closeHandlers) handler();
    });
    return this.closing;
  }
}

/** Felix's binder deletes a stale socket file before listening; so do we (only sockets). */
function removeStaleSocket(socketPath: string): void {
  try {
    if (fs.lstatSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
}
