// Real servers for the proxy's tests: an ext_authz gRPC server on a Unix socket (written here, not
// our Dikastes) and an upstream echo app.
import * as grpc from '@grpc/grpc-js';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { authorizationService, grpcUnixTarget, type AuthzApiVersion, type CheckRequest, type CheckResponse } from '@alpsim/proto';

export function tempDir(prefix = 'alpsim-proxy-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type AuthzBehaviour =
  | { kind: 'allow' }
  | { kind: 'deny'; code?: number }
  | { kind: 'grpc-error'; code: grpc.status }
  | { kind: 'delay'; ms: number }
  | { kind: 'custom'; answer: (req: CheckRequest) => CheckResponse };

export interface TestAuthzServer {
  socketPath: string;
  /** every Check received; `cancelled` turns true if the client cancels it before the answer */
  requests: { version: AuthzApiVersion; request: CheckRequest; cancelled: boolean }[];
  behaviour: AuthzBehaviour;
  close(): Promise<void>;
}

/** An ext_authz server answering on all three service names; `behaviour` may be changed between requests. */
export async function startAuthzServer(socketPath: string, behaviour: AuthzBehaviour = { kind: 'allow' }): Promise<TestAuthzServer> {
  const server = new grpc.Server();
  const state: TestAuthzServer = {
    socketPath,
    requests: [],
    behaviour,
    close: async () => { server.forceShutdown(); },
  };
  for (const version of ['v2', 'v2alpha', 'v3'] as AuthzApiVersion[]) {
    server.addService(authorizationService(version), {
      Check: (call: grpc.ServerUnaryCall<CheckRequest, CheckResponse>, callback: grpc.sendUnaryData<CheckResponse>) => {
        const entry = { version, request: call.request, cancelled: false };
        state.requests.push(entry);
        call.on('cancelled', () => { entry.cancelled = true; });
        const b = state.behaviour;
        if (b.kind === 'allow') callback(null, { status: { code: 0 } });
        else if (b.kind === 'deny') callback(null, { status: { code: b.code ?? 7 } });
        else if (b.kind === 'grpc-error') callback({ code: b.code, details: 'test server failure' } as grpc.ServiceError, null);
        else if (b.kind === 'delay') setTimeout(() => callback(null, { status: { code: 0 } }), b.ms);
        else callback(null, b.answer(call.request));
      },
    } as grpc.UntypedServiceImplementation);
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(grpcUnixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return state;
}

export interface EchoApp { host: string; port: number; requests: number; close(): Promise<void> }

/** Upstream app: answers 200 with JSON {app, method, url, headers, body}. */
export async function startEchoApp(name = 'echo', host = '127.0.0.1'): Promise<EchoApp> {
  const app: EchoApp = { host, port: 0, requests: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    app.requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ app: name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'application/json', server: 'echo-app' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  app.port = (server.address() as net.AddressInfo).port;
  app.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return app;
}

/** TCP echo server that also records whether it ever received bytes. */
export async function startTcpEcho(host = '127.0.0.1'): Promise<{ port: number; received: Buffer[]; connections: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { port: 0, received: [] as Buffer[], connections: 0, close: async () => undefined as void };
  const server = net.createServer((s) => {
    state.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => { state.received.push(d); s.write(d); });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
  return state;
}

/** An Istio 0.7-shaped inbound HTTP listener, optionally with the pilot-webhook's ext_authz filter first. */
export function httpListener(podIp: string, port: number, withAuthz: boolean): object {
  const filters = [
    ...(withAuthz ? [{ type: 'decoder', name: 'envoy.ext_authz', config: { grpc_cluster: { cluster_name: 'calico.dikastes' } } }] : []),
    { type: 'both', name: 'mixer', config: { v2: {} } },
    { type: '', name: 'cors', config: {} },
    { type: 'decoder', name: 'router', config: {} },
  ];
  return {
    address: `tcp://${podIp}:${port}`,
    name: `http_${podIp}_${port}`,
    filters: [{
      type: 'read',
      name: 'http_connection_manager',
      config: {
        codec_type: 'auto', stat_prefix: 'http', generate_request_id: true,
        route_config: { virtual_hosts: [{ name: `inbound|${port}`, domains: ['*'], routes: [{ prefix: '/', cluster: `in.${port}`, timeout_ms: 0 }] }] },
        filters,
        access_log: [{ path: '/dev/stdout' }],
      },
    }],
    ssl_context: { cert_chain_file: '/etc/certs/cert-chain.pem', private_key_file: '/etc/certs/key.pem', ca_cert_file: '/etc/certs/root-cert.pem', require_client_certificate: true },
    bind_to_port: false,
  };
}

export function tcpListener(podIp: string, port: number, withAuthz: boolean): object {
  return {
    address: `tcp://${podIp}:${port}`,
    name: `tcp_${podIp}_${port}`,
    filters: [
      ...(withAuthz ? [{ type: 'read', name: 'envoy.ext_authz', config: { stat_prefix: 'envoy.ext_authz', grpc_cluster: { cluster_name: 'calico.dikastes' } } }] : []),
      { type: 'both', name: 'mixer', config: {} },
      { type: 'read', name: 'tcp_proxy', config: { stat_prefix: 'tcp', route_config: { routes: [{ cluster: `in.${port}`, destination_ip_list: [`${podIp}/32`] }] } } },
    ],
    ssl_context: { cert_chain_file: '/etc/certs/cert-chain.pem', private_key_file: '/etc/certs/key.pem', ca_cert_file: '/etc/certs/root-cert.pem', require_client_certificate: true },
    bind_to_port: false,
  };
}

export function ldsWith(...listeners: object[]): { listeners: object[] } {
  return {
    listeners: [
      { address: 'tcp://0.0.0.0:15001', name: 'virtual', filters: [], bind_to_port: true, use_original_dst: true },
      ...listeners,
    ],
  };
}

/** Poll `probe` until `done(value)` holds (or fail after `ms`); returns the last value. */
export async function eventually<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
