// One Sync stream's outbound buffer: respects gRPC write backpressure and bounds what a slow client
// can make us hold. Felix instead blocks its processor (and with it all of its calculation output)
// on a stuck client; here a stuck client only loses its own stream.
import * as grpc from '@grpc/grpc-js';
import type { ToDataplane } from '@alpsim/proto';
import type { ClientSink } from './processor';

export interface ClientBufferOptions {
  /**
   * Messages that may wait beyond the join snapshot while the stream does not drain (Felix's
   * per-client channel holds 100). Exceeding it ends the stream with RESOURCE_EXHAUSTED.
   */
  maxBufferedMessages?: number;
}

export const DEFAULT_MAX_BUFFERED_MESSAGES = 100;

export type ClientEndReason = 'ok' | 'overflow' | 'closed';

/**
 * Buffers messages for one `grpc.ServerWritableStream`. The join snapshot may be any size (it is
 * bounded by the state); on top of it at most `maxBufferedMessages` updates may be waiting.
 */
export class ClientStream implements ClientSink {
  private readonly queue: ToDataplane[] = [];
  /** How many of the queued messages (always at the front) belong to the join snapshot. */
  private snapshotQueued = 0;
  private ended = false;
  private waitingForDrain = false;
  private readonly maxBuffered: number;

  constructor(
    private readonly call: grpc.ServerWritableStream<object, ToDataplane>,
    options: ClientBufferOptions,
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

  private inSnapshot = false;

  /** Messages sent until markSnapshotComplete() form the join snapshot (exempt from the bound). */
  beginSnapshot(): void {
    this.inSnapshot = true;
  }

  markSnapshotComplete(): void {
    this.inSnapshot = false;
    this.snapshotQueued = this.queue.length;
    this.pump();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get bufferedMessages(): number {
    return this.queue.length;
  }

  send(message: ToDataplane): void {
    if (this.ended) return;
    this.queue.push(message);
    if (!this.inSnapshot && this.queue.length - this.snapshotQueued > this.maxBuffered) {
      this.overflow();
      return;
    }
    this.pump();
  }

  /** Deliver what is queued, then end the stream with OK (Felix closing the join's channel). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    // The queue is bounded, so handing it all to the stream's own buffer is bounded too.
    for (const message of this.queue.splice(0)) this.call.write(message);
    this.call.end();
    this.onEnd('ok');
  }

  private overflow(): void {
    this.ended = true;
    const dropped = this.queue.length;
    this.queue.length = 0;
    // Status follows whatever the stream already accepted; a client that reads again sees it and
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
      if (this.snapshotQueued > 0) this.snapshotQueued--;
      const accepted = this.call.write(this.queue.shift()!);
      if (!accepted) this.waitingForDrain = true;
    }
  }
}
