import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCertificateAuthority, type WorkloadSvid } from '@alpsim/pki';
import { plaintextRequest, startSidecar, type Sidecar } from '@alpsim/proxy';
import type { CheckRequest } from '@alpsim/proto';
import { allocateLoopbacks } from '../addresses';
import { HarnessError } from '../errors';
import type { ResolvedRequest, ResolvedWorkload } from '../resolve';
import { sleep, splitCommand, waitFor } from '../supervisor';
import { createPilot } from './pilot-model';
import type { FullModeContext } from './scenario-run';
import { listenerOutcome, PLAINTEXT_REJECTED, type Delivery, type Transport } from './transport';
import { startUpstreamApp, type UpstreamApp } from './upstream';

/** Extra attempts at a webhook call that failed in transport before accepting Pilot's fallback. */
const WEBHOOK_RETRIES = 3;

/** Path of our `pilot-webhook` bin shim (packages/pilot/bin/pilot-webhook.js). */
export function ownWebhookBin(): string {
  return path.join(path.dirname(require.resolve('@alpsim/pilot/package.json')), 'bin', 'pilot-webhook.js');
}

/** Longest a request may take end to end through two proxies (the ext_authz timeout is inside it). */
const REQUEST_TIMEOUT_MS = 5000;
/** The sidecars' gRPC channels back off up to 500 ms after their Dikastes went away. */
const AUTHZ_RECONNECT_MS = 600;

/**
 * Full mode: certificates from one CA, the pilot-webhook as a child process, the v1 LDS of every
 * sidecar passed through it, one Envoy-like proxy per sidecar workload on the workload's own loopback
 * address, one upstream app per workload; each request leaves the source's sidecar with its SVID
 * over real mTLS and is judged by the destination's ext_authz filter calling its Dikastes.
 */
export async function createFullTransport(ctx: FullModeContext): Promise<Transport> {
  const { resolved, supervisor, dikastes, log, notes } = ctx;
  const { scenario } = resolved;
  const workloads = [...resolved.workloads.values()];
  const externalIps = [...resolved.requests, ...resolved.steps.flatMap((s) => (s.kind === 'request' ? [s.request] : []))]
    .filter((r) => r.from.kind === 'ip')
    .map((r) => r.sourceIp);
  const plan = allocateLoopbacks([...workloads.map((w) => w.ip), ...externalIps]);
  const apps: UpstreamApp[] = [];
  const sidecars = new Map<string, Sidecar>();

  const close = async () => {
    await Promise.all([...sidecars.values()].map((s) => s.close().catch(() => undefined)));
    await Promise.all(apps.map((a) => a.close()));
  };
  supervisor.onShutdown(close);

  // Certificates: one SVID per service account, as Istio's CA issues them (secret istio.<sa>).
  // EC P-256 by default: RSA-2048 (Istio 0.7's choice, `--key-type rsa`) costs ~0.5 s per key and changes no verdict.
  const keyType = ctx.keyType ?? 'ec';
  const ca = createCertificateAuthority({ trustDomain: scenario.trustDomain, keyType });
  const svids = new Map<string, WorkloadSvid>();
  const svidFor = (w: ResolvedWorkload) => {
    const key = `${w.namespace}/${w.serviceAccount}`;
    let svid = svids.get(key);
    if (!svid) {
      svid = ca.issueWorkload({ namespace: w.namespace, serviceAccount: w.serviceAccount, keyType });
      svids.set(key, svid);
    }
    return svid;
  };

  // The pilot-webhook, ours or the user's, on its own socket.
  const webhookSocket = supervisor.path('pilot', 'webhook.sock');
  const webhookArgv = ctx.webhookCommand
    ? [...splitCommand(ctx.webhookCommand), webhookSocket]
    : [process.execPath, ownWebhookBin(), webhookSocket];
  const webhook = supervisor.spawn('pilot-webhook', webhookArgv);
  try {
    await waitFor(`pilot-webhook to listen on ${webhookSocket}`, () => {
      if (webhook.exited()) throw new Error('exited');
      return fs.existsSync(webhookSocket);
    }, 10000);
  } catch (error) {
    await webhook.stop(500);
    throw new HarnessError(`pilot-webhook (${webhookArgv.join(' ')}) ${(error as Error).message}${webhook.output() ? `\n--- its output ---\n${webhook.output()}` : ''}`);
  }

  const proxyCompat = scenario.compat === '3.2' ? '2018' : 'modern';
  // Pilot 0.7 with --webhookEndpoint: every (uncached) LDS goes through the webhook.
  // No discovery cache: the harness asks once per node, and a failed webhook call must be retried, not cached.
  let lastPilotError = '';
  const pilot = createPilot(resolved, {
    webhookEndpoint: `unix://${webhookSocket}`,
    cache: false,
    log: (line) => {
      if (line.startsWith('error:')) lastPilotError = line;
      log(`pilot: ${line}`);
    },
  });
  supervisor.onShutdown(() => pilot.close());
  try {
    for (const w of workloads) {
      const loopback = plan.toLoopback.get(w.ip)!;
      const app = await startUpstreamApp(w.key, loopback, w.ports.map((p) => p.port));
      apps.push(app);
      if (!w.sidecar) continue;
      const node = pilot.nodeId(w.namespace, w.name);
      let discovery = await pilot.fetchListeners(node);
      // A transport error on a loaded machine is retried; one that persists is what Pilot 0.7 did: serve its own LDS.
      for (let retry = 0; discovery.source === 'fallback' && retry < WEBHOOK_RETRIES && !webhook.exited(); retry++) {
        await new Promise((resolve) => setTimeout(resolve, 100 * (retry + 1)));
        discovery = await pilot.fetchListeners(node);
      }
      if (discovery.source === 'fallback') {
        notes.push(`pilot: the webhook call for ${w.key} failed (${lastPilotError.replace(/^error: /, '')}); Pilot served its own LDS (no ext_authz)`);
      }
      if (discovery.status !== 200) throw new HarnessError(`Pilot answered ${discovery.status} for ${node}: ${discovery.body.slice(0, 200)}`);
      const lds = discovery.body;
      const clusters: Record<string, string> = { 'calico.dikastes': `unix://${dikastes.get(w.key)!.spec.listenSocket}` };
      for (const [scenarioPort, realPort] of app.ports) clusters[`in.${scenarioPort}`] = `${loopback}:${realPort}`;
      const svid = svidFor(w);
      const sidecar = await startSidecar({
        lds,
        ldsSource: `LDS for ${node} (after the webhook)`,
        workloadIp: w.ip,
        loopbackAddress: loopback,
        peerIps: plan.toScenario,
        certs: { certChainPem: svid.certChainPem, keyPem: svid.keyPem, rootCertPem: svid.rootCertPem },
        clusters,
        authzApiVersion: ctx.authzApi,
        authzTimeoutMs: ctx.authzTimeoutMs,
        compat: proxyCompat,
        logger: (line: string) => {
          log(`proxy ${w.key}: ${line}`);
        },
      });
      sidecars.set(w.key, sidecar);
      const unchecked = sidecar.listeners.filter((l) => !l.extAuthz).map((l) => l.name);
      if (unchecked.length) notes.push(`proxy ${w.key}: no envoy.ext_authz on ${unchecked.join(', ')}: that traffic is not checked`);
    }
  } catch (error) {
    await close();
    throw error instanceof HarnessError ? error : new HarnessError(`starting proxies: ${(error as Error).message}`);
  }

  // Envoy holds its ext_authz connection open; ours is opened lazily, so open each one now rather
  // than inside the first request's 200 ms budget.
  await warmUp(sidecars, resolved, plan.toLoopback);

  return {
    async send(request: ResolvedRequest, _check: CheckRequest): Promise<Delivery> {
      const target = resolved.workloads.get(request.to)!;
      const targetSidecar = sidecars.get(target.key)!;
      const listener = targetSidecar.listener(request.port);
      if (!listener) return { got: 'deny', detail: 'no listener', transportFailure: `${target.key} has no inbound listener for port ${request.port}` };
      const to = {
        loopbackAddress: plan.toLoopback.get(target.ip)!,
        listenPort: listener.address.port,
        ip: target.ip,
        port: request.port,
        expectedSpiffeId: target.spiffeId,
      };
      const req = {
        to,
        method: request.method,
        path: request.path,
        headers: request.headers,
        authority: `${target.name}.${target.namespace}:${request.port}`,
        timeoutMs: REQUEST_TIMEOUT_MS,
      };
      const source = request.from.kind === 'workload' ? resolved.workloads.get(request.from.key) : undefined;
      const sourceSidecar = source ? sidecars.get(source.key) : undefined;
      const result = sourceSidecar
        ? await sourceSidecar.request(req)
        : await plaintextRequest({ ...req, localAddress: plan.toLoopback.get(request.sourceIp) });
      const d = dikastes.get(target.key)!;
      const kind = resolved.listeners.get(target.key)?.get(request.port);
      if (result.status === 200) {
        return kind === 'unchecked' ? listenerOutcome(kind, request.port, request.sourcePrincipal)! : { got: 'allow', detail: 'HTTP 200' };
      }
      if (result.status === 0 && !sourceSidecar) return PLAINTEXT_REJECTED;
      // The TCP ext_authz filter closes a denied connection without a response: the source's
      // sidecar sees the upstream reset (503 from a sidecar, no answer from a bare client).
      const closedByTcpFilter = listener.kind === 'tcp' && (result.status === 0 || result.status === 503);
      const detail = closedByTcpFilter ? 'connection closed' : `HTTP ${result.status}`;
      if (d.status === 'paused') {
        return { got: 'deny', detail, transportFailure: `ext_authz call failed (timeout, > ${ctx.authzTimeoutMs} ms): Envoy denies (failure_mode_allow: false)` };
      }
      if (d.status === 'stopped') {
        return { got: 'deny', detail, transportFailure: 'Dikastes is stopped: the ext_authz call fails and Envoy denies (failure_mode_allow: false)' };
      }
      // 403 from the HTTP filter; a closed connection from the TCP filter (no response on deny).
      if (result.status === 403 || closedByTcpFilter) return { got: 'deny', detail };
      return { got: 'deny', detail, transportFailure: `no verdict from the data path: ${result.failure ?? detail}` };
    },
    async dikastesRestarted(): Promise<void> {
      await sleep(AUTHZ_RECONNECT_MS);
    },
    close,
  };
}

async function warmUp(sidecars: Map<string, Sidecar>, resolved: FullModeContext['resolved'], toLoopback: Map<string, string>): Promise<void> {
  await Promise.all(
    [...sidecars.entries()].map(async ([key, sidecar]) => {
      const w = resolved.workloads.get(key)!;
      const listener = sidecar.listeners.find((l) => l.extAuthz) ?? sidecar.listeners[0];
      if (!listener) return;
      for (let attempt = 0; attempt < 2; attempt++) {
        await sidecar.request({
          to: { loopbackAddress: toLoopback.get(w.ip)!, listenPort: listener.address.port, ip: w.ip, port: listener.scenarioAddress.port, expectedSpiffeId: w.spiffeId },
          method: 'GET',
          path: '/alpsim-warm-up',
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
      }
    }),
  );
}
