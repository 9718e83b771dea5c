/**
 * Child-process entry for the full-path benchmark: an upstream app (HTTP 200) and our Envoy-like
 * sidecar in front of it, with or without the ext_authz filter, configured from v1 LDS JSON as the
 * pilot-webhook era served it. Job JSON on stdin; prints "listening <port>" once ready.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import { startSidecar } from '@alpsim/proxy';

export interface FullPathJob {
  withAuthz: boolean;
  workloadIp: string;
  workloadPort: number;
  loopbackAddress: string;
  /** loopback address of the load client → its scenario IP */
  peerIps: Record<string, string>;
  dikastesSocket: string;
  certs: { certChainPem: string; keyPem: string; rootCertPem: string };
}

/** One inbound HTTP listener in Pilot 0.7 v1 LDS form; ext_authz first when enabled, router last. */
export function inboundLds(job: Pick<FullPathJob, 'withAuthz' | 'workloadIp' | 'workloadPort'>): object {
  const { workloadIp: ip, workloadPort: port } = job;
  const httpFilters: object[] = [];
  if (job.withAuthz) httpFilters.push({ type: 'decoder', name: 'envoy.ext_authz', config: { grpc_cluster: { cluster_name: 'calico.dikastes' } } });
  httpFilters.push({ type: 'decoder', name: 'router', config: {} });
  return {
    listeners: [
      {
        name: `http_${ip}_${port}`,
        address: `tcp://${ip}:${port}`,
        bind_to_port: false,
        filters: [
          {
            type: 'read',
            name: 'http_connection_manager',
            config: {
              codec_type: 'auto',
              stat_prefix: 'http',
              route_config: { virtual_hosts: [{ name: `inbound|${port}`, domains: ['*'], routes: [{ prefix: '/', cluster: `in.${port}` }] }] },
              filters: httpFilters,
            },
          },
        ],
        ssl_context: {
          cert_chain_file: '/etc/certs/cert-chain.pem',
          private_key_file: '/etc/certs/key.pem',
          ca_cert_file: '/etc/certs/root-cert.pem',
          require_client_certificate: true,
        },
      },
    ],
  };
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FullPathJob;
  const app = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  });
  app.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as net.AddressInfo).port;
  const sidecar = await startSidecar({
    lds: inboundLds(job),
    ldsSource: 'bench full-path LDS',
    workloadIp: job.workloadIp,
    loopbackAddress: job.loopbackAddress,
    peerIps: job.peerIps,
    certs: job.certs,
    clusters: { 'calico.dikastes': `unix://${job.dikastesSocket}`, [`in.${job.workloadPort}`]: `http://127.0.0.1:${appPort}` },
    authzApiVersion: 'v3',
  });
  const listener = sidecar.listener(job.workloadPort);
  if (!listener) throw new Error('sidecar has no inbound listener');
  const stop = () =>
    void sidecar.close().finally(() => {
      app.closeAllConnections();
      app.close(() => process.exit(0));
    });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`listening ${listener.address.port}\n`);
}

main().catch((error) => {
  process.stderr.write(`full-path sidecar: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
