// A CheckRequest decoder that reads only what Dikastes uses (§3.2): both peers' principal, labels
// and socket address, and request.http method/path. Everything else on the wire (headers, body,
// metadata, ...) is skipped without being materialised — Envoy sends every header, and decoding
// them would cost more than the policy evaluation. Wire semantics follow proto3: last scalar wins,
// repeated embedded messages merge, unknown fields are skipped. Malformed input throws.
import type { CheckRequest, HttpRequest, Peer, SocketAddress } from '@alpsim/proto';

class WireReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift < 53) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
    return shift < 28 ? result >>> 0 : result;
  }

  /** A varint truncated to its low 32 bits (as int32), exactly: what Go keeps for int32/uint32/enum fields. */
  varint32(): number {
    let lo = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      if (shift < 32) lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
    return lo;
  }

  /** Returns [start, end) of a length-delimited field. */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new Error('truncated length-delimited field');
    this.pos = end;
    return [start, end];
  }

  string(): string {
    const [s, e] = this.bytes();
    return this.buf.toString('utf8', s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new Error('truncated fixed field');
  }
}

function sub(r: WireReader): WireReader {
  const [s, e] = r.bytes();
  return new WireReader(r.buf, s, e);
}

function decodeSocketAddress(r: WireReader, into: SocketAddress): SocketAddress {
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    // Go truncates a varint to the field's 32 bits: enum (int32) and port_value (uint32).
    if (field === 1 && wt === 0) into.protocol = r.varint32();
    else if (field === 2 && wt === 2) into.address = r.string();
    else if (field === 3 && wt === 0) {
      into.portValue = r.varint32() >>> 0;
      delete into.namedPort;
    } else if (field === 4 && wt === 2) {
      into.namedPort = r.string();
      delete into.portValue;
    } else r.skip(wt);
  }
  return into;
}

function decodePeer(r: WireReader, into: Peer): Peer {
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      // Address: oneof socket_address = 1 | pipe = 2 (| envoy_internal_address = 3).
      const a = sub(r);
      const address = (into.address ??= {});
      while (a.pos < a.end) {
        const t = a.varint();
        if (t >>> 3 === 1 && (t & 7) === 2) {
          address.socketAddress = decodeSocketAddress(sub(a), address.socketAddress ?? {});
          address.pipe = null;
        } else if ((t >>> 3 === 2 || t >>> 3 === 3) && (t & 7) === 2) {
          a.bytes();
          address.socketAddress = null;
          address.pipe = {};
        } else a.skip(t & 7);
      }
    } else if (field === 3 && wt === 2) {
      const e = sub(r);
      let key = '';
      let value = '';
      while (e.pos < e.end) {
        const t = e.varint();
        if (t >>> 3 === 1 && (t & 7) === 2) key = e.string();
        else if (t >>> 3 === 2 && (t & 7) === 2) value = e.string();
        else e.skip(t & 7);
      }
      // A map key like "__proto__" must stay an ordinary label (Go map semantics).
      (into.labels ??= Object.create(null) as Record<string, string>)[key] = value;
    } else if (field === 4 && wt === 2) into.principal = r.string();
    else r.skip(wt);
  }
  return into;
}

function decodeHttp(r: WireReader, into: HttpRequest): HttpRequest {
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 2 && wt === 2) into.method = r.string();
    else if (field === 4 && wt === 2) into.path = r.string();
    else r.skip(wt);
  }
  return into;
}

/** Decode the parts of an ext_authz CheckRequest (any API version: same field numbers) Dikastes reads. */
export function decodeCheckRequest(buf: Buffer): CheckRequest {
  const request: CheckRequest = {};
  const r = new WireReader(buf, 0, buf.length);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      r.skip(tag & 7);
      continue;
    }
    const attributes = (request.attributes ??= {});
    const a = sub(r);
    while (a.pos < a.end) {
      const t = a.varint();
      const field = t >>> 3;
      const wt = t & 7;
      if (field === 1 && wt === 2) attributes.source = decodePeer(sub(a), attributes.source ?? {});
      else if (field === 2 && wt === 2) attributes.destination = decodePeer(sub(a), attributes.destination ?? {});
      else if (field === 4 && wt === 2) {
        const q = sub(a);
        const req = (attributes.request ??= {});
        while (q.pos < q.end) {
          const u = q.varint();
          if (u >>> 3 === 2 && (u & 7) === 2) req.http = decodeHttp(sub(q), req.http ?? {});
          else q.skip(u & 7);
        }
      } else a.skip(wt);
    }
  }
  return request;
}
