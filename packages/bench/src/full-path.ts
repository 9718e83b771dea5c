import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCertificateAuthority } from '@alpsim/pki';
import { Pool } from 'undici';
import { CheckClient } from './check-client';
import type { FullPathJob } from './full-path-main';
import { runLoad, type LoadCall } from './load';
import { measurementOf } from './measurement';
import { cpuDeltaMs } from './process-stats';
import type { BenchProfile } from './profile';
import type { FullPathResult, LoadMeasurement } from './results';
import { runFailure } from './errors';
import type { RunOptions } from './runner';
import type { GeneratedStore } from './store-generator';
import { ManagedProcess, startFeederAndSut, summarizeGc } from './sut';

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

/** Closed/open-loop HTTP load over kept-alive mTLS connections from the client's loopback address. */
async function measureHop(profile: BenchProfile, procs: ManagedProcess[], port: number, certs: FullPathJob['certs'], serverId: string): Promise<LoadMeasurement> {
  const proc = procs[0];
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
  try {
    if (profile.traffic.warmupMs > 0) {
      const warm = await runLoad(next, { ...profile.traffic, durationMs: profile.traffic.warmupMs, requests: undefined, warmupMs: 0 });
      warm.latency.destroy();
    }
    const before = procs.map((p) => p.sample());
    const raw = await runLoad(next, { ...profile.traffic, warmupMs: 0 });
    const afterAll = procs.map((p) => p.sample());
    const after = afterAll[0];
    await new Promise((r) => setTimeout(r, 250));
    // CPU of every process on the hop (sidecar, and dikastes when ext_authz is on).
    const cpuMs = procs.reduce((sum, _p, k) => sum + cpuDeltaMs(before[k], afterAll[k]), 0);
    const m = measurementOf(raw, cpuMs, after);
    const pauses = proc.gcPauses();
    if (pauses.length) m.gc = summarizeGc(pauses, raw.startEpochMs, raw.endEpochMs);
    return m;
  } finally {
    await pool.close();
  }
}

/**
 * Full path: HTTPS (mTLS) client → sidecar (ext_authz → dikastes over its socket) → app, then the
 * same sidecar hop with ext_authz removed, same client, same traffic. The sidecar and app run in a
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
  const { feeder, sut, listenSocket } = await startFeederAndSut(runDir, index, store.messages, { dikastesCommand: options.dikastesCommand, observeGc: true });
  const probe = new CheckClient(listenSocket, profile.apiVersion);
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
    const results: LoadMeasurement[] = [];
    for (const withAuthz of [true, false]) {
      const tag = withAuthz ? `sidecar-authz-${index}` : `sidecar-plain-${index}`;
      log(`[full path] mTLS hop ${withAuthz ? 'with' : 'without'} ext_authz`);
      const { proc, port } = await startSidecarProcess({ ...baseJob, withAuthz }, runDir, tag);
      try {
        results.push(await measureHop(profile, withAuthz ? [proc, sut] : [proc], port, clientCerts, server.spiffeId));
      } finally {
        await proc.stop();
      }
    }
    const [withAuthz, withoutAuthz] = results;
    return {
      keepAlive: profile.fullPath.keepAlive,
      withAuthz,
      withoutAuthz,
      addedP50Ms: withAuthz.latency.p50 - withoutAuthz.latency.p50,
      addedP99Ms: withAuthz.latency.p99 - withoutAuthz.latency.p99,
    };
  } finally {
    probe.close();
    await sut.stop();
    await feeder.close();
  }
}
