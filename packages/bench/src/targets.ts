import type { BenchResult, TargetCheck } from './results';

const MB = 1024 * 1024;

function check(id: string, description: string, measured: number, comparison: '<=' | '>=', limit: number, unit: string, detail = ''): TargetCheck {
  const pass = comparison === '<=' ? measured <= limit : measured >= limit;
  return { id, description, measured, comparison, limit, unit, pass, detail };
}

/**
 * The issue-2/issue-6 targets for our engine, evaluated on whatever this run measured
 * (a target whose inputs were not measured is simply absent).
 */
export function evaluateTargets(result: BenchResult): TargetCheck[] {
  const targets: TargetCheck[] = [];
  const byRules = (n: number) => result.stores.find((s) => s.rules === n && s.sut);
  const s1000 = byRules(1000);
  if (s1000?.ratios && result.profile.path === 'direct') {
    targets.push(check('direct-1000-p50', 'direct, 1 000 rules: p50 / floor p50', s1000.ratios.p50, '<=', 1.3, '×',
      `${s1000.sut!.latency.p50.toFixed(3)} ms vs floor ${s1000.floor!.latency.p50.toFixed(3)} ms`));
    targets.push(check('direct-1000-p99', 'direct, 1 000 rules: p99 / floor p99', s1000.ratios.p99, '<=', 2, '×',
      `${s1000.sut!.latency.p99.toFixed(3)} ms vs floor ${s1000.floor!.latency.p99.toFixed(3)} ms`));
    targets.push(check('direct-1000-throughput', 'direct, 1 000 rules: throughput / floor throughput', s1000.ratios.throughput, '>=', 0.7, '×',
      `${s1000.sut!.throughput.toFixed(0)}/s vs floor ${s1000.floor!.throughput.toFixed(0)}/s`));
  }
  const s10 = byRules(10);
  const s10000 = byRules(10000);
  if (s10?.sut && s10000?.sut) {
    targets.push(check('scaling-p50', 'p50 at 10 000 rules / p50 at 10 rules', s10000.sut.latency.p50 / s10.sut.latency.p50, '<=', 2, '×',
      `${s10000.sut.latency.p50.toFixed(3)} ms vs ${s10.sut.latency.p50.toFixed(3)} ms`));
  }
  const scale = result.stores.find((s) => s.name === 'calico-scale');
  if (scale?.inProcess) {
    targets.push(check('calico-scale-inprocess-p50', 'calico-scale: in-process evaluation p50', scale.inProcess.latency.p50, '<=', 0.1, 'ms',
      `p99 ${scale.inProcess.latency.p99.toFixed(3)} ms; Calico's Go checker: 3.7 ms/op`));
    targets.push(check('calico-scale-inprocess-rss', 'calico-scale: RSS of a process holding only the store', scale.inProcess.rssWithStoreBytes / MB, '<=', 200, 'MB',
      `store adds ${(scale.inProcess.storeRssBytes / MB).toFixed(0)} MB to a ${(scale.inProcess.baselineRssBytes / MB).toFixed(0)} MB baseline`));
  }
  if (scale?.sut) {
    targets.push(check('calico-scale-server-rss', 'calico-scale: RSS of the dikastes server under load', scale.sut.rssBytes / MB, '<=', 200, 'MB',
      `peak ${(scale.sut.peakRssBytes / MB).toFixed(0)} MB (includes store sync)`));
  }
  for (const s of result.stores) {
    if (!s.churn) continue;
    targets.push(check(`churn-${s.name}-p99`, `churn ${s.churn.rate}/s (${s.name}): update propagation p99`, s.churn.propagation.p99, '<=', 20, 'ms',
      `p50 ${s.churn.propagation.p50.toFixed(2)} ms over ${s.churn.observed} observed updates, ${s.churn.unobserved} unobserved`));
    targets.push(check(`churn-${s.name}-failed`, `churn ${s.churn.rate}/s (${s.name}): failed Checks under load`, s.churn.failedChecks + s.churn.probeErrors, '<=', 0, '',
      `${s.sut?.completed ?? 0} Checks`));
  }
  for (const s of result.stores) {
    if (!s.fullPath) continue;
    targets.push(check(`full-path-${s.name}-added-p50`, `full path (${s.name}): added p50 of the ext_authz hop`, s.fullPath.addedP50Ms, '<=', 1, 'ms',
      `${s.fullPath.withAuthz.latency.p50.toFixed(3)} ms vs ${s.fullPath.withoutAuthz.latency.p50.toFixed(3)} ms without ext_authz`));
  }
  for (const s of result.stores) {
    if (!s.scenarioVsBare) continue;
    const v = s.scenarioVsBare;
    targets.push(check('scenario-vs-bare', `${v.requests}-request scenario (direct mode) / ${v.requests} bare Checks`, v.ratio, '<=', 10, '×',
      `${v.scenarioMs.toFixed(0)} ms vs ${v.bareMs.toFixed(0)} ms; ${v.scenarioRequestsMet}/${v.requests} expectations met`));
  }
  return targets;
}
