// The partial CheckRequest decoder reads exactly what protobufjs would, for the fields Dikastes uses,
// and skips the rest (headers, body, metadata, ...).
import t from 'tap';
import { CheckRequestType, type CheckRequest } from '@alpsim/proto';
import { PolicyStore, evaluateCheck } from '../src/index';
import { decodeCheckRequest } from '../src/decode';
import { endpoint, policy, request } from './helpers/build';

function encode(obj: object): Buffer {
  return Buffer.from(CheckRequestType.encode(CheckRequestType.fromObject(obj)).finish());
}

function view(r: CheckRequest) {
  const peer = (p: CheckRequest['attributes'] extends infer A ? any : never) =>
    p
      ? {
          principal: p.principal || '',
          labels: { ...(p.labels || {}) },
          socket: p.address && p.address.socketAddress
            ? { address: p.address.socketAddress.address || '', port: p.address.socketAddress.portValue || 0, named: p.address.socketAddress.namedPort || '', protocol: p.address.socketAddress.protocol || 0 }
            : null,
          pipe: !!(p.address && p.address.pipe),
        }
      : null;
  const a = r.attributes;
  return a
    ? { source: peer(a.source), destination: peer(a.destination), method: a.request?.http?.method || '', path: a.request?.http?.path || '', http: !!a.request?.http }
    : null;
}

const samples: object[] = [
  {},
  { attributes: {} },
  request(),
  request({ destination: null, http: false }),
  request({ source: { labels: { app: 'x', 'k.io/y': 'ü' }, protocol: 'UDP', port: 65535 } }),
  {
    attributes: {
      source: { address: { pipe: { path: '/p', mode: 0o600 } }, principal: 'spiffe://a/ns/b/sa/c', service: 'svc', certificate: 'PEM' },
      destination: { address: { socketAddress: { address: 'fd00::1', namedPort: 'http' } } },
      request: {
        time: { seconds: 5, nanos: 1 },
        http: { id: '1', method: 'POST', headers: { ':path': '/x', 'x-a': 'b' }, path: '/x?y#z', host: 'h', scheme: 'https', size: 12, protocol: 'HTTP/1.1', body: 'data' },
      },
      contextExtensions: { a: 'b' },
      metadataContext: { filterMetadata: { f: { fields: { k: { stringValue: 'v' } } } } },
      tlsSession: { sni: 'x' },
    },
  },
];

t.test('same view as protobufjs on representative requests', async (t) => {
  for (const s of samples) {
    const buf = encode(s);
    t.same(view(decodeCheckRequest(buf)), view(CheckRequestType.decode(buf) as unknown as CheckRequest), JSON.stringify(s).slice(0, 80));
  }
});

// (protobufjs replaces a repeated embedded message instead of merging; grpc-go, which the real
// Dikastes uses, merges as the proto3 spec says — we follow Go.)
t.test('repeated embedded messages merge, last scalar wins (proto3, as grpc-go)', async (t) => {
  const a = encode({ attributes: { source: { principal: 'first', labels: { a: '1' } } } });
  const b = encode({ attributes: { source: { labels: { b: '2' } }, request: { http: { method: 'GET' } } } });
  const c = encode({ attributes: { source: { principal: 'last' } } });
  const joined = Buffer.concat([a, b, c]);
  t.same(view(decodeCheckRequest(joined)), {
    source: { principal: 'last', labels: { a: '1', b: '2' }, socket: null, pipe: false },
    destination: null,
    method: 'GET',
    path: '',
    http: true,
  });
});

t.test('malformed bytes throw', async (t) => {
  t.throws(() => decodeCheckRequest(Buffer.from([0x0a, 0x05, 0x0a])), /truncated/);
  t.throws(() => decodeCheckRequest(Buffer.from([0x0b])), /wire type/);
});

t.test('verdicts identical with either decoder', async (t) => {
  const { store } = PolicyStore.from([
    policy('p', [{ action: 'allow', httpMatch: { methods: ['POST'], paths: [{ exact: '/x' }] }, srcNet: ['10.0.0.0/8'] }]),
    endpoint({ tiers: [{ ingress: ['p'] }] }),
  ]);
  for (const spec of [{ method: 'POST', path: '/x?q' }, { method: 'GET' }, { path: 'bad' }, { source: { address: '11.0.0.1' }, method: 'POST', path: '/x' }]) {
    const buf = encode(request(spec));
    t.equal(evaluateCheck(store, decodeCheckRequest(buf)).code, evaluateCheck(store, CheckRequestType.decode(buf) as never).code, JSON.stringify(spec));
  }
});
