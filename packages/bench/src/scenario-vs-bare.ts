import { parseScenarioText, resolveScenario, runScenario } from '@alpsim/scenario';
import { CheckClient, encodeCheckRequest, roundRobin } from './check-client';
import { runLoad } from './load';
import type { BenchProfile } from './profile';
import type { ScenarioVsBareResult } from './results';
import { runFailure } from './errors';
import type { RunOptions } from './runner';
import type { GeneratedStore } from './store-generator';
import { startFeederAndSut } from './sut';

/** A quickstart-style scenario with `requests` requests, alternating allowed and denied ones, in the profile's compat era. */
export function scenarioText(requests: number, compat = '3.28'): string {
  const lines = [
    'apiVersion: alpsim/v1',
    'kind: Scenario',
    'metadata: {name: bench-scenario-vs-bare}',
    'spec:',
    `  compat: ${JSON.stringify(compat)}`,
    '  resources:',
    '    - apiVersion: projectcalico.org/v3',
    '      kind: GlobalNetworkPolicy',
    '      metadata: {name: backend-api}',
    '      spec:',
    "        selector: app == 'backend'",
    '        ingress:',
    '          - action: Allow',
    '            source: {serviceAccounts: {names: [frontend]}}',
    '            http: {methods: [GET, HEAD], paths: [{prefix: /api/}]}',
    '  workloads:',
    '    - {name: frontend, namespace: shop, serviceAccount: frontend, labels: {app: frontend}, ip: 10.0.0.10}',
    '    - {name: backend, namespace: shop, serviceAccount: backend, labels: {app: backend}, ip: 10.0.0.20, ports: [{name: http, port: 8080}]}',
    '    - {name: intruder, namespace: shop, serviceAccount: intruder, labels: {app: intruder}, ip: 10.0.0.30}',
    '  requests:',
  ];
  for (let i = 0; i < requests; i++) {
    lines.push(i % 2 === 0
      ? `    - {name: allowed ${i}, from: shop/frontend, to: shop/backend, path: /api/items/${i}, expect: allow}`
      : `    - {name: denied ${i}, from: shop/intruder, to: shop/backend, path: /api/items/${i}, expect: deny}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Issue 5's overhead check: a whole N-request scenario in direct mode (parse, resolve, Felix fake,
 * dikastes process, every Check, verdict table) versus N bare Check calls at the same concurrency
 * against an already-synced dikastes.
 */
export async function measureScenarioVsBare(
  profile: BenchProfile,
  store: GeneratedStore,
  runDir: string,
  index: number,
  options: RunOptions,
): Promise<ScenarioVsBareResult> {
  const log = options.log ?? (() => {});
  const requests = profile.traffic.requests ?? 1000;
  const concurrency = profile.traffic.concurrency;

  log(`[scenario] ${requests}-request scenario in direct mode (concurrency ${concurrency})`);
  const t0 = performance.now();
  const [scenario] = parseScenarioText(scenarioText(requests, profile.compat), 'bench-scenario-vs-bare.yaml');
  const resolved = await resolveScenario(scenario);
  const run = await runScenario(resolved, { mode: 'direct', explain: false, concurrency, dikastesCommand: options.dikastesCommand });
  const scenarioMs = performance.now() - t0;
  if (run.error) throw runFailure(`scenario run failed: ${run.error}`);
  const met = run.results.filter((r) => r.met).length;

  log(`[scenario] ${requests} bare Check calls, same concurrency`);
  const { feeder, sut, listenSocket } = await startFeederAndSut(runDir, index, store.messages, { dikastesCommand: options.dikastesCommand, compat: profile.compat });
  const client = new CheckClient(listenSocket, profile.apiVersion);
  try {
    const deadline = Date.now() + 60_000;
    while (!(await client.readiness(1000).catch(() => false))) {
      if (sut.hasExited || Date.now() > deadline) throw runFailure(`system under test not ready (${sut.describeExit()}); its last output:\n${sut.logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const calls = store.requests.map((r) => ({ encoded: encodeCheckRequest(r.request), expectedCode: r.expectedCode }));
    // Same JIT state for both sides: the scenario's dikastes was fresh too, so no warm-up here either.
    const bare = await runLoad(roundRobin(calls, client), { mode: 'closed', concurrency, requests, warmupMs: 0 });
    bare.latency.destroy();
    return {
      requests,
      concurrency,
      scenarioMs,
      scenarioReportedMs: run.durationMs,
      scenarioRequestsMet: met,
      bareMs: bare.durationMs,
      bareErrors: bare.errors + bare.unexpected,
      ratio: scenarioMs / bare.durationMs,
    };
  } finally {
    client.close();
    await sut.stop();
    await feeder.close();
  }
}
