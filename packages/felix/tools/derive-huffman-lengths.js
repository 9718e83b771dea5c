// Derive HPACK Huffman code lengths/bits by observing nghttp2's encoder (via node:http2).
const http2 = require('node:http2'); const net = require('node:net'); const fs = require('fs');
const sock = '/tmp/huff/s.sock';
function lastFieldValue(block) {
  let i = 0, last;
  const int = (prefix) => { const max = (1 << prefix) - 1; let v = block[i] & max; i++; if (v < max) return v; let m = 0, b; do { b = block[i++]; v += (b & 127) * 2 ** m; m += 7; } while (b & 128); return v; };
  const str = () => { const h = (block[i] & 128) !== 0; const len = int(7); const bytes = block.subarray(i, i + len); i += len; return { h, bytes }; };
  while (i < block.length) {
    const b = block[i];
    if (b & 128) { int(7); continue; }
    if ((b & 0xe0) === 0x20) { int(5); continue; }
    const prefix = (b & 0xc0) === 0x40 ? 6 : 4;
    const idx = int(prefix); if (idx === 0) str();
    last = str();
  }
  return last;
}
function probe(value) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const srv = net.createServer((s) => {
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        let off = 24;
        while (off + 9 <= buf.length) {
          const len = buf.readUIntBE(off, 3), type = buf[off + 3], flags = buf[off+4];
          if (off + 9 + len > buf.length) break;
          if (type === 1) { let p = buf.subarray(off + 9, off + 9 + len); if (flags & 8) { p = p.subarray(1, p.length - p[0]); } if (flags & 0x20) p = p.subarray(5); s.destroy(); srv.close(); c.destroy(); resolve(lastFieldValue(p)); return; }
          off += 9 + len;
        }
      });
      s.on('error', () => {});
    });
    let c;
    try { fs.unlinkSync(sock) } catch {}
    srv.listen(sock, () => {
      c = http2.connect('http://x', { createConnection: () => net.connect(sock) });
      c.on('error', () => {});
      try { const r = c.request({ ':path': '/', 'x-h': value }); r.on('error', () => {}); } catch (e) { srv.close(); c.destroy(); reject(e); }
    });
  });
}
const bitsOf = (bytes) => [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
(async () => {
  const a = await probe('a'.repeat(8)); const aBits = bitsOf(a.bytes);
  if (!a.h || aBits !== '00011'.repeat(8)) throw new Error('unexpected a code ' + aBits);
  const table = [];
  for (let s = 0; s < 256; s++) {
    let best;
    try {
      for (let n = 16; n < 24; n++) {
        const v = await probe(String.fromCharCode(s) + 'a'.repeat(n));
        if (!v.h) throw new Error('not huffman');
        const bits = bitsOf(v.bytes); const L = bits.length - 5 * n;
        if (!best || L < best.L || (L === best.L)) { if (!best || L < best.L) best = { L, bits, n }; }
      }
      // exact length: min over n of (total - 5n) minus padding of 0 — verify remainder
      let L = best.L; while (L > 0) { const rest = best.bits.slice(L); const expect = '00011'.repeat(best.n); if (rest.startsWith(expect) && /^1*$/.test(rest.slice(expect.length)) && rest.length - expect.length < 8) break; L--; }
      table.push([s, best.bits.slice(0, L)]);
    } catch (e) { table.push([s, null, e.message]); }
  }
  fs.writeFileSync('/tmp/huff/table.json', JSON.stringify(table));
  console.log(table.filter(t => !t[1]).map(t => t[0] + ':' + t[2]).join('\n'));
})();
