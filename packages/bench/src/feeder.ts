import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { grpcUnixTarget, type ToDataplane, ToDataplaneType } from '@alpsim/proto';

/** Encode once: a 256 000-member store is sent to every fresh SUT without re-encoding. */
export function encodeToDataplane(message: ToDataplane): Buffer {
  return Buffer.from(ToDataplaneType.encode(ToDataplaneType.fromObject(message)).finish());
}

const identity = (b: Buffer) => b;
const syncMethod: grpc.MethodDefinition<Buffer, Buffer> = {
  path: '/felix.PolicySync/Sync',
  requestStream: false,
  responseStream: true,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};

/**
 * A minimal felix.PolicySync server for benchmarks: streams a pre-encoded join sequence to every
 * client (any SyncRequest), then keeps the stream open so churn updates can be pushed. It speaks
 * the proto-level stream the store generator produces, so it needs no Calico resource model.
 */
export class PolicySyncFeeder {
  private readonly streams = new Set<grpc.ServerWritableStream<Buffer, Buffer>>();
  private readonly streamWaiters: (() => void)[] = [];
  private sequence = 0;

  private constructor(
    private readonly server: grpc.Server,
    readonly socketPath: string,
    private readonly joinSequence: Buffer[],
  ) {}

  static async start(socketPath: string, messages: ToDataplane[]): Promise<PolicySyncFeeder> {
    fs.rmSync(socketPath, { force: true });
    const server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
    const feeder = new PolicySyncFeeder(server, socketPath, messages.map(encodeToDataplane));
    server.addService({ Sync: syncMethod } as grpc.ServiceDefinition, {
      Sync: (call: grpc.ServerWritableStream<Buffer, Buffer>) => void feeder.serve(call),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(grpcUnixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())),
    );
    return feeder;
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  private async serve(call: grpc.ServerWritableStream<Buffer, Buffer>): Promise<void> {
    call.on('error', () => this.streams.delete(call));
    call.on('cancelled', () => this.streams.delete(call));
    call.on('close', () => this.streams.delete(call));
    for (const message of this.joinSequence) {
      if (call.cancelled) return;
      if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
    }
    this.streams.add(call);
    for (const wake of this.streamWaiters.splice(0)) wake();
  }

  /** Resolves once a client has received the whole join sequence. */
  waitForSyncedStream(timeoutMs: number): Promise<void> {
    if (this.streams.size > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no policy-sync client connected within ${timeoutMs} ms`)), timeoutMs);
      this.streamWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Push one update to every synced client; returns how many streams it was written to. */
  broadcast(message: ToDataplane): number {
    const encoded = encodeToDataplane({ ...message, sequenceNumber: ++this.sequence });
    for (const call of this.streams) call.write(encoded);
    return this.streams.size;
  }

  close(): Promise<void> {
    for (const call of this.streams) call.end();
    return new Promise((resolve) => {
      this.server.tryShutdown(() => {
        fs.rmSync(this.socketPath, { force: true });
        resolve();
      });
      setTimeout(() => this.server.forceShutdown(), 1000).unref();
    });
  }
}
