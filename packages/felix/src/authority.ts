// Accepting a filesystem path as HTTP/2 `:authority` (spec-dikastes §10).
//
// A real Go Dikastes dials Felix with its `-d` path as the authority, e.g.
// `/var/run/felix/nodeagent/socket`. Node's HTTP/2 layer (nghttp2 with HTTP messaging checks on, and no
// option to turn them off) resets such a stream with PROTOCOL_ERROR. So each accepted connection is
// wrapped: request header blocks (client → server) are decoded and re-encoded as plain literals, with
// an invalid `:authority`/`host` replaced by `localhost`; every other byte passes through unchanged.
// The original authority is kept in `x-alpsim-original-authority` for logs.
import { Duplex } from 'node:stream';
import type * as net from 'node:net';
import { encodeHeaderBlock, HpackDecoder, type HeaderField } from './http2/hpack';

const CONNECTION_PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const FRAME_HEADER_LENGTH = 9;
const FRAME_HEADERS = 0x1;
const FRAME_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** The peer's SETTINGS_MAX_FRAME_SIZE is at least this; re-encoded blocks are split to fit. */
const MAX_FRAME_PAYLOAD = 16384;

/** Characters nghttp2 accepts in an authority (RFC 3986 reg-name, IP literal, port, userinfo). */
const VALID_AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*$/;

export function isValidAuthority(value: string): boolean {
  return VALID_AUTHORITY.test(value);
}

/** Replace invalid `:authority` / `host` values; returns the fields and whether anything changed. */
export function rewriteAuthority(fields: HeaderField[]): HeaderField[] {
  const out: HeaderField[] = [];
  let original: string | undefined;
  for (const [name, value] of fields) {
    if ((name === ':authority' || name === 'host') && !isValidAuthority(value)) {
      original ??= value;
      out.push([name, 'localhost']);
    } else {
      out.push([name, value]);
    }
  }
  if (original !== undefined) out.push(['x-alpsim-original-authority', encodeURIComponent(original)]);
  return out;
}

/** Incremental parser/rewriter of the client → server byte stream of one HTTP/2 connection. */
export class RequestHeaderRewriter {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private readonly decoder = new HpackDecoder();
  /** An open header block (HEADERS without END_HEADERS, awaiting CONTINUATION). */
  private block: { streamId: number; flags: number; priority?: Buffer; fragments: Buffer[] } | undefined;

  /** Feed bytes from the client; returns the bytes to hand to the server. */
  push(chunk: Buffer): Buffer {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    if (!this.prefaceSeen) {
      if (this.pending.length < CONNECTION_PREFACE_LENGTH) return Buffer.alloc(0);
      out.push(this.pending.subarray(0, CONNECTION_PREFACE_LENGTH));
      this.pending = this.pending.subarray(CONNECTION_PREFACE_LENGTH);
      this.prefaceSeen = true;
    }
    while (this.pending.length >= FRAME_HEADER_LENGTH) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < FRAME_HEADER_LENGTH + length) break;
      const frame = this.pending.subarray(0, FRAME_HEADER_LENGTH + length);
      this.pending = this.pending.subarray(FRAME_HEADER_LENGTH + length);
      out.push(this.frame(frame));
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  private frame(frame: Buffer): Buffer {
    const type = frame[3];
    const flags = frame[4];
    const streamId = frame.readUInt32BE(5) & 0x7fffffff;
    let payload = frame.subarray(FRAME_HEADER_LENGTH);
    if (type === FRAME_HEADERS) {
      if (flags & FLAG_PADDED) {
        const padLength = payload[0];
        payload = payload.subarray(1, payload.length - padLength);
      }
      let priority: Buffer | undefined;
      if (flags & FLAG_PRIORITY) {
        priority = payload.subarray(0, 5);
        payload = payload.subarray(5);
      }
      this.block = { streamId, flags, priority, fragments: [payload] };
    } else if (type === FRAME_CONTINUATION && this.block) {
      this.block.fragments.push(payload);
    } else {
      return frame;
    }
    if (!(flags & FLAG_END_HEADERS)) return Buffer.alloc(0);
    const block = this.block!;
    this.block = undefined;
    const fields = rewriteAuthority(this.decoder.decode(Buffer.concat(block.fragments)));
    return encodeHeaderFrames(block.streamId, block.flags & FLAG_END_STREAM, block.priority, encodeHeaderBlock(fields));
  }
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_LENGTH);
  header.writeUIntBE(length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return header;
}

function encodeHeaderFrames(streamId: number, endStream: number, priority: Buffer | undefined, block: Buffer): Buffer {
  const parts: Buffer[] = [];
  const firstRoom = MAX_FRAME_PAYLOAD - (priority ? 5 : 0);
  const first = block.subarray(0, firstRoom);
  let rest = block.subarray(first.length);
  const firstFlags = endStream | (priority ? FLAG_PRIORITY : 0) | (rest.length === 0 ? FLAG_END_HEADERS : 0);
  parts.push(frameHeader(first.length + (priority ? 5 : 0), FRAME_HEADERS, firstFlags, streamId));
  if (priority) parts.push(priority);
  parts.push(first);
  while (rest.length > 0) {
    const chunk = rest.subarray(0, MAX_FRAME_PAYLOAD);
    rest = rest.subarray(chunk.length);
    parts.push(frameHeader(chunk.length, FRAME_CONTINUATION, rest.length === 0 ? FLAG_END_HEADERS : 0, streamId), chunk);
  }
  return Buffer.concat(parts);
}

/**
 * A connection as the HTTP/2 server sees it: reads are the client's bytes with request headers
 * re-encoded, writes go to the client untouched. A malformed header block closes the connection.
 */
export class AuthorityRewriter extends Duplex {
  private readonly rewriter = new RequestHeaderRewriter();

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      let out: Buffer;
      try {
        out = this.rewriter.push(chunk);
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (out.length > 0 && !this.push(out)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
