// HPACK decoding (RFC 7541 examples and nghttp2's own encoder) and the request-header rewriter.
import t from 'tap';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as path from 'node:path';
import { RequestHeaderRewriter, rewriteAuthority } from '../src/authority';
import { encodeHeaderBlock, HpackDecoder, huffmanDecode, HpackError, type HeaderField } from '../src/http2/hpack';
import { tempDir } from './helpers';

t.test('RFC 7541 C.4: requests with Huffman coding and a growing dynamic table', async (t) => {
  t.equal(huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex')).toString(), 'www.example.com');
  const decoder = new HpackDecoder();
  t.same(decoder.decode(Buffer.from('828684418cf1e3c2e5f23a6ba0ab90f4ff', 'hex')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ]);
  t.same(decoder.decode(Buffer.from('828684be5886a8eb10649cbf', 'hex')).slice(3), [
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ]);
  t.same(decoder.decode(Buffer.from('828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf', 'hex')).slice(1), [
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ]);
});

t.test('malformed input is an error, not garbage', async (t) => {
  t.throws(() => new HpackDecoder().decode(Buffer.from([0xff])), HpackError, 'truncated integer');
  t.throws(() => new HpackDecoder().decode(Buffer.from([0xbf])), HpackError, 'index beyond the tables');
  t.throws(() => huffmanDecode(Buffer.from([0x00])), HpackError, 'padding that is not all ones');
  t.throws(() => new HpackDecoder(100).decode(Buffer.from([0x3f, 0xe1, 0x1f])), HpackError, 'table size above the limit');
});

t.test('our plain encoding round-trips through the decoder', async (t) => {
  const fields: HeaderField[] = [
    [':method', 'POST'],
    [':authority', 'localhost'],
    ['x-long', 'v'.repeat(300)],
    ['user-agent', 'grpc-go/1.40.0'],
  ];
  t.same(new HpackDecoder().decode(encodeHeaderBlock(fields)), fields);
});

/** Capture the raw client → server bytes of a node:http2 client (nghttp2's encoder). */
async function captureClientBytes(requests: Record<string, string>[]): Promise<Buffer> {
  const dir = tempDir('hpack-');
  const socketPath = path.join(dir, 's');
  const chunks: Buffer[] = [];
  const server = net.createServer((s) => {
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
  session.on('error', () => undefined);
  for (const headers of requests) session.request(headers, { endStream: true }).on('error', () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 300));
  session.destroy();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return Buffer.concat(chunks);
}

function headerBlocks(bytes: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let offset = 24;
  while (offset + 9 <= bytes.length) {
    const length = bytes.readUIntBE(offset, 3);
    if (bytes[offset + 3] === 1) blocks.push(bytes.subarray(offset + 9, offset + 9 + length));
    offset += 9 + length;
  }
  return blocks;
}

t.test('decodes what nghttp2 encodes: Huffman, every byte value, indexing and eviction', async (t) => {
  const requests: Record<string, string>[] = [];
  for (let i = 0; i < 60; i++) {
    // Values covering bytes 1..255 (except the line breaks Node refuses), repeated names (indexed
    // references) and sizes that overflow the 4 096-byte table (evictions).
    const bytes = Array.from({ length: 40 + (i % 7) * 30 }, (_, k) => 1 + ((i * 37 + k * 11) % 255)).filter((b) => b !== 10 && b !== 13);
    requests.push({ ':path': `/svc/${i % 5}`, ':authority': i % 2 ? 'localhost' : `host-${i % 3}`, 'x-bin': Buffer.from(bytes).toString('latin1'), [`x-k${i % 4}`]: `value-${i}` });
  }
  const blocks = headerBlocks(await captureClientBytes(requests));
  t.equal(blocks.length, requests.length);
  const decoder = new HpackDecoder();
  blocks.forEach((block, i) => {
    const decoded = Object.fromEntries(decoder.decode(block));
    for (const [name, value] of Object.entries(requests[i])) t.equal(decoded[name], value, `request ${i} ${name}`);
  });
});

t.test('the rewriter: byte-by-byte input, HEADERS + CONTINUATION, padding and priority', async (t) => {
  const requests = [0, 1, 2].map((i) => ({ ':path': `/felix.PolicySync/Sync`, ':authority': `/var/run/felix/nodeagent/socket`, 'x-big': 'y'.repeat(i === 1 ? 20000 : 10) }));
  const raw = await captureClientBytes(requests);
  const rewriter = new RequestHeaderRewriter();
  const out = Buffer.concat([...raw].map((b) => rewriter.push(Buffer.from([b]))));
  const decoder = new HpackDecoder();
  const blocks: Buffer[] = [];
  let offset = 24;
  let open: Buffer[] = [];
  while (offset + 9 <= out.length) {
    const length = out.readUIntBE(offset, 3);
    const type = out[offset + 3];
    if (type === 1 || type === 9) {
      open.push(out.subarray(offset + 9, offset + 9 + length));
      if (out[offset + 4] & 0x4) {
        blocks.push(Buffer.concat(open));
        open = [];
      }
    }
    offset += 9 + length;
  }
  t.equal(offset, out.length, 'output is a well-formed frame sequence');
  t.equal(blocks.length, 3);
  for (const [i, block] of blocks.entries()) {
    const fields = Object.fromEntries(decoder.decode(block));
    t.equal(fields[':authority'], 'localhost');
    t.equal(fields['x-alpsim-original-authority'], encodeURIComponent('/var/run/felix/nodeagent/socket'));
    t.equal(fields['x-big'], requests[i]['x-big']);
  }

  // A hand-made padded HEADERS frame with priority, split by a CONTINUATION.
  const block = encodeHeaderBlock([[':method', 'POST'], [':authority', '/a/b'], [':path', '/x']]);
  const frame = (type: number, flags: number, payload: Buffer) => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    h[4] = flags;
    h.writeUInt32BE(3, 5);
    return Buffer.concat([h, payload]);
  };
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const first = Buffer.concat([Buffer.from([2]), Buffer.from([0, 0, 0, 1, 16]), block.subarray(0, 4), Buffer.from([0, 0])]);
  const input = Buffer.concat([preface, frame(1, 0x8 | 0x20 | 0x1, first), frame(9, 0x4, block.subarray(4))]);
  const rewritten = new RequestHeaderRewriter().push(input);
  t.equal(rewritten[24 + 3], 1, 'one HEADERS frame');
  t.equal(rewritten[24 + 4], 0x1 | 0x4 | 0x20, 'END_STREAM and PRIORITY kept, END_HEADERS set, padding dropped');
  t.same(rewritten.subarray(24 + 9, 24 + 14), Buffer.from([0, 0, 0, 1, 16]), 'priority data kept');
  t.same(new HpackDecoder().decode(rewritten.subarray(24 + 14)), [[':method', 'POST'], [':authority', 'localhost'], [':path', '/x'], ['x-alpsim-original-authority', '%2Fa%2Fb']]);
});

t.test('valid authorities are left alone', async (t) => {
  const fields: HeaderField[] = [[':authority', 'felix.sock'], ['host', '[::1]:8080']];
  t.same(rewriteAuthority(fields), fields);
});
