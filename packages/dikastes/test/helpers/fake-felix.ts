// A fake Felix for tests: a real grpc-js server streaming felix.PolicySync/Sync over a Unix socket.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { grpcUnixTarget, policySyncService, ToDataplaneType, type ToDataplane } from '@alpsim/proto';

export class FakeFelix {
  readonly streams: grpc.ServerWritableStream<object, ToDataplane>[] = [];
  private readonly server = new grpc.Server();
  private waiters: ((s: grpc.ServerWritableStream<object, ToDataplane>) => void)[] = [];
  /** Messages sent on connect to every new stream. */
  script: ToDataplane[] = [];
  /** Raw frames (already encoded) to send on connect, after the script. */
  rawScript: Buffer[] = [];
  connections = 0;
  /** The SyncRequest of every stream, as decoded (field names present). */
  readonly requests: object[] = [];

  constructor(readonly socketPath: string) {
    const def = {
      Sync: { ...policySyncService.Sync, responseSerialize: (v: ToDataplane | Buffer) => (Buffer.isBuffer(v) ? v : policySyncService.Sync.responseSerialize(v)) },
    };
    this.server.addService(def as unknown as grpc.ServiceDefinition, {
      Sync: (call: grpc.ServerWritableStream<object, ToDataplane>) => {
        this.connections++;
        this.requests.push(call.request);
        this.streams.push(call);
        call.on('cancelled', () => this.drop(call));
        call.on('error', () => this.drop(call));
        for (const m of this.script) call.write(m);
        for (const raw of this.rawScript) call.write(raw as unknown as ToDataplane);
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w(call);
      },
    });
  }

  private drop(call: grpc.ServerWritableStream<object, ToDataplane>): void {
    const i = this.streams.indexOf(call);
    if (i >= 0) this.streams.splice(i, 1);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.server.bindAsync(grpcUnixTarget(this.socketPath), grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())),
    );
  }

  /** Resolves with the next stream that connects (or the current one if `existing`). */
  nextStream(): Promise<grpc.ServerWritableStream<object, ToDataplane>> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get current(): grpc.ServerWritableStream<object, ToDataplane> | undefined {
    return this.streams[this.streams.length - 1];
  }

  send(...messages: ToDataplane[]): void {
    const s = this.current;
    if (!s) throw new Error('no stream connected');
    for (const m of messages) s.write(m);
  }

  /** Send an already-encoded ToDataplane frame (e.g. with a payload field our proto lacks). */
  sendRaw(frame: Buffer): void {
    const s = this.current;
    if (!s) throw new Error('no stream connected');
    s.write(frame as unknown as ToDataplane);
  }

  /** End every open stream cleanly (as Felix does when it restarts). */
  endStreams(): void {
    for (const s of this.streams.splice(0)) s.end();
  }

  async close(): Promise<void> {
    this.endStreams();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 500);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

export function encodeToDataplane(m: ToDataplane): Buffer {
  return Buffer.from(ToDataplaneType.encode(ToDataplaneType.fromObject(m)).finish());
}

/** A short temp dir for sockets (Unix socket paths must stay short). */
export function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    emitter.once(event, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}
