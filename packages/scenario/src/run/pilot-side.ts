import * as http from 'node:http';
import type { ResolvedWorkload } from '../resolve';

/**
 * The Pilot side of the 2018 data path, for one sidecar: the v1 LDS an Istio 0.7 Pilot builds for a
 * pod's inbound ports (mTLS listeners named `http_<podIP>_<port>` routing to `in.<port>`), and the
 * webhook call Pilot made with `--webhookEndpoint unix:///…` (POST to the same URL path Envoy used,
 * body served back verbatim whatever the status).
 */

export function serviceNode(w: ResolvedWorkload): string {
  return `sidecar~${w.ip}~${w.name}.${w.namespace}~${w.namespace}.svc.cluster.local`;
}

const CERTS = {
  cert_chain_file: '/etc/certs/cert-chain.pem',
  private_key_file: '/etc/certs/key.pem',
  ca_cert_file: '/etc/certs/root-cert.pem',
  require_client_certificate: true,
};

export function inboundLds(w: ResolvedWorkload): { listeners: object[] } {
  const listeners: object[] = [
    { address: 'tcp://0.0.0.0:15001', name: 'virtual', filters: [], bind_to_port: true, use_original_dst: true },
  ];
  for (const p of w.ports) {
    if (p.protocol !== 'TCP') continue;
    listeners.push({
      address: `tcp://${w.ip}:${p.port}`,
      name: `http_${w.ip}_${p.port}`,
      filters: [
        {
          type: 'read',
          name: 'http_connection_manager',
          config: {
            codec_type: 'auto',
            stat_prefix: 'http',
            generate_request_id: true,
            route_config: {
              virtual_hosts: [{ name: `inbound|${p.port}`, domains: ['*'], routes: [{ prefix: '/', cluster: `in.${p.port}`, timeout_ms: 0 }] }],
            },
            filters: [
              { type: 'both', name: 'mixer', config: {} },
              { type: 'decoder', name: 'cors', config: {} },
              { type: 'decoder', name: 'router', config: {} },
            ],
          },
        },
      ],
      ssl_context: CERTS,
      bind_to_port: false,
    });
  }
  return { listeners };
}

/** POST the LDS to the webhook on its Unix socket, as Pilot 0.7 did; returns the body it serves to Envoy. */
export function callWebhook(socketPath: string, urlPath: string, body: string, timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: urlPath, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`webhook did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
