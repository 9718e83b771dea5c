import { type CheckClient, encodeCheckRequest } from './check-client';
import type { PolicySyncFeeder } from './feeder';
import { summarizeSamples } from './histogram';
import type { ChurnOptions } from './profile';
import type { ChurnResult } from './results';
import type { GeneratedStore } from './store-generator';

/**
 * Push `churn.rate` policy updates/s through the feeder for `stopAfterMs` while a probe Checks the
 * probe request back to back; propagation = update written → first probe reply with the new verdict.
 * Runs in the churn child process (churn-main), away from the load generator's event loop.
 */
export async function runChurn(
  store: GeneratedStore,
  feeder: PolicySyncFeeder,
  probe: CheckClient,
  churn: ChurnOptions,
  stopAfterMs: number,
): Promise<Omit<ChurnResult, 'failedChecks'>> {
  const spec = store.churn;
  if (!spec) throw new Error('store was generated without the churn probe');
  const probeRequest = encodeCheckRequest(spec.probeRequest);
  const intervalMs = 1000 / churn.rate;
  const samples: number[] = [];
  const probeRtts: number[] = [];
  let pending: { expected: number; sentAt: number } | undefined;
  let updatesSent = 0;
  let unobserved = 0;
  let probeChecks = 0;
  let probeErrors = 0;
  let running = true;
  const start = performance.now();

  const probeLoop = async () => {
    while (running) {
      const t = performance.now();
      try {
        const code = await probe.check(probeRequest);
        probeRtts.push(performance.now() - t);
        probeChecks++;
        if (pending && code === pending.expected) {
          samples.push(performance.now() - pending.sentAt);
          pending = undefined;
        }
      } catch {
        probeErrors++;
      }
      const rest = churn.probeIntervalMs - (performance.now() - t);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  };
  const updateLoop = async () => {
    for (let n = 1; ; n++) {
      const due = start + n * intervalMs;
      if (due - start > stopAfterMs) break;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      if (pending) {
        // Superseded before the probe saw it: keep it in the figures as a lower bound (censored).
        unobserved++;
        samples.push(performance.now() - pending.sentAt);
      }
      const { message, expectedCode } = spec.update(n);
      pending = { expected: expectedCode, sentAt: performance.now() };
      feeder.broadcast(message);
      updatesSent++;
    }
    // Give the last update time to show.
    const waitUntil = performance.now() + 1000;
    while (pending && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 5));
    if (pending) {
      unobserved++;
      samples.push(performance.now() - pending.sentAt);
    }
    running = false;
  };
  await Promise.all([probeLoop(), updateLoop()]);
  return {
    rate: churn.rate,
    updatesSent,
    observed: samples.length - unobserved,
    unobserved,
    propagation: summarizeSamples(samples),
    probeChecks,
    probeErrors,
    probeRoundTrip: summarizeSamples(probeRtts),
  };
}

