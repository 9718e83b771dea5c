#!/usr/bin/env node
// Re-derives the HPACK Huffman code lengths (RFC 7541 Appendix B) from nghttp2's encoder inside
// node:http2, to check src/http2/hpack-tables.ts: `node tools/derive-huffman-lengths.js`.
//
// For each byte X, a header value X + 'a'×n (n = 16..23) is sent by a node:http2 client to a raw
// socket; nghttp2 Huffman-codes it (shorter than raw). 'a' has the 5-bit code 00011, so X's code is
// the first L bits where L = min over n of (8 × encoded bytes − 5n) (padding is 0 for one of the n).
// NUL cannot be sent in a header; its length follows from the code being canonical and complete.
'use strict';
const fs = require('node:fs');
const http2 = require('node:http2');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huff-'));
const socketPath = path.join(dir, 's');

/** The last field's value string of a header block: { huffman, bytes }. */
function lastValue(block) {
  let i = 0;
  let last;
  const int = (prefix) => {
    const max = (1 << prefix) - 1;
    let v = block[i++] & max;
    if (v < max) return v;
    let m = 0;
    let b;
    do {
      b = block[i++];
      v += (b & 127) * 2 ** m;
      m += 7;
    } while (b & 128);
    return v;
  };
  const str = () => {
    const huffman = (block[i] & 128) !== 0;
    const len = int(7);
    const bytes = block.subarray(i, i + len);
    i += len;
    return { huffman, bytes };
  };
  while (i < block.length) {
    const b = block[i];
    if (b & 128) int(7);
    else if ((b & 0xe0) === 0x20) int(5);
    else {
      if (int((b & 0xc0) === 0x40 ? 6 : 4) === 0) str();
      last = str();
    }
  }
  return last;
}

function probe(value) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let client;
    const server = net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (let off = 24; off + 9 <= buf.length; ) {
          const len = buf.readUIntBE(off, 3);
          if (off + 9 + len > buf.length) break;
          if (buf[off + 3] === 1) {
            s.destroy();
            server.close();
            client.destroy();
            resolve(lastValue(buf.subarray(off + 9, off + 9 + len)));
            return;
          }
          off += 9 + len;
        }
      });
    });
    fs.rmSync(socketPath, { force: true });
    server.listen(socketPath, () => {
      client = http2.connect('http://x', { createConnection: () => net.connect(socketPath) });
      client.on('error', () => {});
      try {
        client.request({ ':path': '/', 'x-h': value }).on('error', () => {});
      } catch (error) {
        server.close();
        client.destroy();
        reject(error);
      }
    });
  });
}

const bits = (bytes) => [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');

(async () => {
  const lengths = new Array(257).fill(undefined);
  for (let symbol = 1; symbol < 256; symbol++) {
    let best = Infinity;
    for (let n = 16; n < 24; n++) {
      const v = await probe(String.fromCharCode(symbol) + 'a'.repeat(n));
      if (!v.huffman) throw new Error(`symbol ${symbol}: not Huffman-coded`);
      best = Math.min(best, bits(v.bytes).length - 5 * n);
    }
    lengths[symbol] = best;
  }
  lengths[256] = 30; // EOS: 30 ones
  // Complete the canonical code: the one missing symbol (NUL) takes the remaining Kraft mass.
  const kraft = lengths.reduce((sum, l) => (l ? sum + 2 ** -l : sum), 0);
  lengths[0] = -Math.log2(1 - kraft);
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(lengths) + '\n');
})();
