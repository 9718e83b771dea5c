// One Sync stream's outbound buffer: respects gRPC write backpressure and bounds what a slow client
// can make us hold. Felix instead blocks its processor (and with it all of its calculation output)
// on a stuck client; here a stuck client only loses its own stream.
import * as grpc from '@grpc/grpc-js';
import type { ToDataplane } from '@alpsim/proto';
import type { ClientSink } from './processor';

export interface ClientBufferOptions {
  /**
   * How many messages of earlier batches (a snapshot change or a join) may still be waiting for the
   * stream when the next batch arrives (Felix's per-client channel holds 100). Beyond that the client
   * counts as stalled and its stream ends with RESOURCE_EXHAUSTED. The current batch is never
   * counted, so one large change never cuts off a client that keeps reading.
   */
  maxBufferedMessages?: number;
}

export const DEFAULT_MAX_BUFFERED_MESSAGES = 100;

export type ClientEndReason = 'ok' | 'overflow' | 'closed';

interface Queued {
  message: ToDataplane;
  batch: number;
}

/** Buffers messages for one `grpc.ServerWritableStream`, honouring its backpressure. */
export class ClientStream implements ClientSink {
  private readonly queue: Queued[] = [];
  private currentBatch = -1;
  /** Queued messages that belong to batches before `currentBatch` (always at the front). */
  private olderQueued = 0;
  private ended = false;
  private waitingForDrain = false;
  private readonly maxBuffered: number;

  constructor(
    private readonly call: grpc.ServerWritableStream<object, ToDataplane>,
    options: ClientBufferOptions,
    /** The batch being produced now (FelixServer bumps it per setState and per join). */
    private readonly batchClock: () => number,
    private readonly onEnd: (reason: ClientEndReason) => void,
  ) {
    this.maxBuffered = options.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES;
    call.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    // Client went away (cancel, connection closed, or we ended it).
    call.on('close', () => this.finish('closed'));
    call.on('cancelled', () => this.finish('closed'));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get bufferedMessages(): number {
    return this.queue.length;
  }

  send(message: ToDataplane): void {
    if (this.ended) return;
    const batch = this.batchClock();
    if (batch !== this.currentBatch) {
      this.currentBatch = batch;
      this.olderQueued = this.queue.length;
      if (this.olderQueued > this.maxBuffered) {
        this.overflow();
        return;
      }
    }
    this.queue.push({ message, batch });
    this.pump();
  }

  /** Deliver what is queued, then end the stream with OK (Felix closing the join's channel). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    // The queue is bounded, so handing it all to the stream's own buffer is bounded too.
    for (const entry of this.queue.splice(0)) this.call.write(entry.message);
    this.call.end();
    this.onEnd('ok');
  }

  private overflow(): void {
    this.ended = true;
    const dropped = this.queue.length;
    this.queue.length = 0;
    // The status follows whatever the stream already accepted; a client that reads again sees it and
    // reconnects for a fresh snapshot.
    const error = Object.assign(new Error(`felix: client too slow: ${dropped} messages pending; reconnect for a fresh snapshot`), {
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    this.call.emit('error', error);
    this.onEnd('overflow');
  }

  private finish(reason: ClientEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.onEnd(reason);
  }

  private pump(): void {
    while (!this.ended && !this.waitingForDrain && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      if (entry.batch !== this.currentBatch && this.olderQueued > 0) this.olderQueued--;
      if (!this.call.write(entry.message)) this.waitingForDrain = true;
    }
  }
}
