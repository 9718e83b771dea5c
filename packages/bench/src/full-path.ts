import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCertificateAuthority } from '@alpsim/pki';
import { Pool } from 'undici';
import { CheckClient } from './check-client';
import type { FullPathJob } from './full-path-main';
import { runLoad, type LoadCall, type TrafficOptions } from './load';
import { measurementOf, mergeMeasurements } from './measurement';
import { cpuDeltaMs } from './process-stats';
import type { BenchProfile } from './profile';
import type { FullPathResult, LoadMeasurement } from './results';
import { runFailure } from './errors';
import type { RunOptions } from './runner';
import type { GeneratedStore } from './store-generator';
import { type GcSummary, ManagedProcess, startFeederAndSut, summarizeGcWindows } from './sut';

const SIDECAR_LOOPBACK = '127.0.1.2';
const CLIENT_LOOPBACK = '127.0.1.3';
const WORKLOAD_PORT = 8080;

async function waitForLine(proc: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(fs.existsSync(proc.options.logFile) ? fs.readFileSync(proc.options.logFile, 'utf8') : '');
    if (m) return m;
    if (proc.hasExited) throw runFailure(`sidecar ${proc.describeExit()}; its last output:\n${proc.logTail()}`);
    if (Date.now() > deadline) throw runFailure(`sidecar not listening after ${timeoutMs} ms; its last output:\n${proc.logTail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startSidecarProcess(job: FullPathJob, runDir: string, tag: string): Promise<{ proc: ManagedProcess; port: number }> {
  const jobFile = path.join(runDir, `${tag}.json`);
  fs.writeFileSync(jobFile, JSON.stringify(job));
  const proc = ManagedProcess.start({
    argv: ['/bin/sh', '-c', `exec "${process.execPath}" "${path.join(__dirname, 'full-path-main.js')}" < "${jobFile}"`],
    cwd: runDir,
    logFile: path.join(runDir, `${tag}.log`),
    gcFile: path.join(runDir, `${tag}-gc.json`),
  });
  const m = await waitForLine(proc, /listening (\d+)/, 20_000);
  return { proc, port: Number(m[1]) };
}

/** An HTTPS (mTLS) load client for one sidecar: kept-alive connections from the client's loopback address. */
function hopClient(profile: BenchProfile, port: number, certs: FullPathJob['certs'], serverId: string): { next: () => LoadCall; close: () => Promise<void> } {
  const pool = new Pool(`https://${SIDECAR_LOOPBACK}:${port}`, {
    connections: profile.fullPath.keepAlive ? profile.traffic.concurrency : undefined,
    pipelining: profile.fullPath.keepAlive ? 1 : 0,
    localAddress: CLIENT_LOOPBACK,
    connect: {
      ca: certs.rootCertPem,
      cert: certs.certChainPem,
      key: certs.keyPem,
      rejectUnauthorized: true,
      checkServerIdentity: (_host, cert) => (cert.subjectaltname?.includes(`URI:${serverId}`) ? undefined : new Error(`server is not ${serverId}`)),
    },
  });
  let i = 0;
  const next = (): LoadCall => ({
    expectedCode: 200,
    send: async () => {
      const res = await pool.request({
        path: `/api/v1/items/${i++ % 1000}`,
        method: 'GET',
        headers: { host: `bench-server.ns-0.svc.cluster.local:${WORKLOAD_PORT}`, ...(profile.fullPath.keepAlive ? {} : { connection: 'close' }) },
      });
      await res.body.dump();
      return res.statusCode;
    },
  });
  return { next, close: () => pool.close() };
}

/** One measured slice of load; CPU of every process on the hop (sidecar, and dikastes when ext_authz is on). */
async function measureSlice(next: () => LoadCall, procs: ManagedProcess[], traffic: TrafficOptions): Promise<LoadMeasurement> {
  const before = procs.map((p) => p.sample());
  const raw = await runLoad(next, { ...traffic, warmupMs: 0 });
  const after = procs.map((p) => p.sample());
  const cpuMs = procs.reduce((sum, _p, k) => sum + cpuDeltaMs(before[k], after[k]), 0);
  const m = measurementOf(raw, cpuMs, after[0], { correctedHistogram: true, window: true });
  raw.latency.destroy();
  raw.correctedLatency?.destroy();
  return m;
}

/** GC pauses of the sidecar process inside the slices' windows. */
function sidecarGc(proc: ManagedProcess, m: LoadMeasurement): GcSummary | undefined {
  const pauses = proc.gcPauses();
  return pauses.length === 0 ? undefined : summarizeGcWindows(pauses, m.windows ?? []);
}

/**
 * Full path: HTTPS (mTLS) client → sidecar (ext_authz → dikastes over its socket) → app, against
 * the same sidecar hop with ext_authz removed, same client, same traffic, in alternating slices. The sidecar and app run in a
 * child process; dikastes in another; the client here.
 */
export async function measureFullPath(
  profile: BenchProfile,
  store: GeneratedStore,
  runDir: string,
  index: number,
  options: RunOptions,
): Promise<FullPathResult> {
  const log = options.log ?? (() => {});
  const ca = createCertificateAuthority({ trustDomain: 'cluster.local', keyType: 'ec' });
  const server = ca.issueWorkload({ namespace: 'ns-0', serviceAccount: 'bench-server' });
  const client = ca.issueWorkload({ namespace: 'ns-0', serviceAccount: 'client-0' });
  const { feeder, sut, listenSocket } = await startFeederAndSut(runDir, index, store.messages, { dikastesCommand: options.dikastesCommand, observeGc: true, compat: profile.compat });
  const probe = new CheckClient(listenSocket, profile.apiVersion);
  const sidecars: ManagedProcess[] = [];
  let withAuthz: LoadMeasurement;
  let withoutAuthz: LoadMeasurement;
  const baseJob = {
    workloadIp: store.endpointIp,
    workloadPort: WORKLOAD_PORT,
    loopbackAddress: SIDECAR_LOOPBACK,
    // clients[0] of the generated store: ns-0/client-0 at 10.0.0.1, a "traverse" identity.
    peerIps: { [CLIENT_LOOPBACK]: '10.0.0.1' },
    dikastesSocket: listenSocket,
    certs: { certChainPem: server.certChainPem, keyPem: server.keyPem, rootCertPem: server.rootCertPem },
  };
  const clientCerts = { certChainPem: client.certChainPem, keyPem: client.keyPem, rootCertPem: client.rootCertPem };
  try {
    const deadline = Date.now() + 120_000;
    while (!(await probe.readiness(1000).catch(() => false))) {
      if (sut.hasExited) throw runFailure(`system under test ${sut.describeExit()} before becoming ready; its last output:\n${sut.logTail()}`);
      if (Date.now() > deadline) throw runFailure('system under test not ready after 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Both sidecars run side by side and the load alternates between them in `slices` slices, so a
    // machine whose load drifts (shared box) affects the hop with and without ext_authz alike.
    log(`[full path] mTLS hop with and without ext_authz, ${profile.slices} interleaved slice(s) each`);
    const authz = await startSidecarProcess({ ...baseJob, withAuthz: true }, runDir, `sidecar-authz-${index}`);
    sidecars.push(authz.proc);
    const plain = await startSidecarProcess({ ...baseJob, withAuthz: false }, runDir, `sidecar-plain-${index}`);
    sidecars.push(plain.proc);
    const authzClient = hopClient(profile, authz.port, clientCerts, server.spiffeId);
    const plainClient = hopClient(profile, plain.port, clientCerts, server.spiffeId);
    try {
      const traffic = profile.traffic;
      if (traffic.warmupMs > 0) {
        const warm = { ...traffic, durationMs: traffic.warmupMs, requests: undefined, warmupMs: 0 };
        for (const c of [authzClient, plainClient]) (await runLoad(c.next, warm)).latency.destroy();
      }
      const slices = traffic.durationMs !== undefined ? profile.slices : 1;
      const slice = { ...traffic, durationMs: traffic.durationMs !== undefined ? traffic.durationMs / slices : undefined };
      const authzParts: LoadMeasurement[] = [];
      const plainParts: LoadMeasurement[] = [];
      for (let k = 0; k < slices; k++) {
        authzParts.push(await measureSlice(authzClient.next, [authz.proc, sut], slice));
        plainParts.push(await measureSlice(plainClient.next, [plain.proc], slice));
      }
      await new Promise((r) => setTimeout(r, 250)); // let the GC observers flush
      withAuthz = mergeMeasurements(authzParts)!;
      withoutAuthz = mergeMeasurements(plainParts)!;
      withAuthz.gc = sidecarGc(authz.proc, withAuthz);
      withoutAuthz.gc = sidecarGc(plain.proc, withoutAuthz);
    } finally {
      await authzClient.close();
      await plainClient.close();
    }
    return {
      keepAlive: profile.fullPath.keepAlive,
      withAuthz,
      withoutAuthz,
      addedP50Ms: withAuthz.latency.p50 - withoutAuthz.latency.p50,
      addedP99Ms: withAuthz.latency.p99 - withoutAuthz.latency.p99,
    };
  } finally {
    probe.close();
    for (const p of sidecars) await p.stop();
    await sut.stop();
    await feeder.close();
  }
}
