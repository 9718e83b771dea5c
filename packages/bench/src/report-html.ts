import type { PercentileCurve } from './histogram';
import type { BenchResult } from './results';
import { formatSummary } from './report-table';
import { linePlot, PALETTE, type PlotSeries } from './svg-plot';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** x position of a percentile on the usual "nines" axis: 1 / (1 − p). */
function ninesX(p: number): number {
  return 1 / (1 - Math.min(p, 99.999) / 100);
}

const NINES_TICKS: [number, string][] = [[1, '0%'], [2, '50%'], [10, '90%'], [100, '99%'], [1000, '99.9%'], [10000, '99.99%'], [100000, '100%']];

function curveSeries(name: string, curve: PercentileCurve | undefined, color: string, dashed = false): PlotSeries[] {
  if (!curve || curve.length === 0) return [];
  return [{ name, color, dashed, points: curve.map(([p, ms]) => [ninesX(p), ms] as [number, number]) }];
}

/** The HTML report: summary, targets, percentile curves and the scaling plot, all inline. */
export function renderHtml(result: BenchResult): string {
  const plots: string[] = [];
  const percentileSeries: PlotSeries[] = [];
  result.stores.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    if (s.sut) percentileSeries.push(...curveSeries(s.name, s.sut.curve, color));
    if (s.fullPath) {
      percentileSeries.push(...curveSeries(`${s.name}: with ext_authz`, s.fullPath.withAuthz.curve, color));
      percentileSeries.push(...curveSeries(`${s.name}: mTLS hop only`, s.fullPath.withoutAuthz.curve, color, true));
    }
  });
  if (result.floor) percentileSeries.push(...curveSeries('no-op floor (all slices)', result.floor.curve, '#555', true));
  if (percentileSeries.length) {
    plots.push(linePlot(percentileSeries, {
      title: result.profile.path === 'full' ? 'Request latency by percentile (HTTPS through the mTLS sidecar)' : 'Check latency by percentile (over the Unix socket)', xLabel: 'percentile', yLabel: 'latency (ms)',
      xLog: true, yLog: true, xTicks: NINES_TICKS,
    }));
  }
  const corrected: PlotSeries[] = [];
  result.stores.forEach((s, i) => corrected.push(...curveSeries(s.name, s.sut?.correctedCurve, PALETTE[i % PALETTE.length])));
  if (result.floor?.correctedCurve) corrected.push(...curveSeries('no-op floor', result.floor.correctedCurve, '#555', true));
  if (corrected.length) {
    plots.push(linePlot(corrected, {
      title: 'Open loop: latency from the scheduled send (coordinated-omission corrected)', xLabel: 'percentile', yLabel: 'latency (ms)',
      xLog: true, yLog: true, xTicks: NINES_TICKS,
    }));
  }
  const inProc: PlotSeries[] = [];
  result.stores.forEach((s, i) => inProc.push(...curveSeries(s.name, s.inProcess?.curve, PALETTE[i % PALETTE.length])));
  if (inProc.length) {
    plots.push(linePlot(inProc, {
      title: 'In-process evaluateCheck latency by percentile', xLabel: 'percentile', yLabel: 'latency (ms)', xLog: true, yLog: true, xTicks: NINES_TICKS,
    }));
  }
  const scaled = result.stores.filter((s) => s.sut).sort((a, b) => a.rules - b.rules);
  if (scaled.length >= 2) {
    const series: PlotSeries[] = [
      { name: 'p50', color: PALETTE[0], points: scaled.map((s) => [s.rules, s.sut!.latency.p50]) },
      { name: 'p99', color: PALETTE[1], points: scaled.map((s) => [s.rules, s.sut!.latency.p99]) },
    ];
    const floored = scaled.filter((s) => s.floor);
    if (floored.length) {
      series.push({ name: 'floor p50', color: PALETTE[0], dashed: true, points: floored.map((s) => [s.rules, s.floor!.latency.p50]) });
      series.push({ name: 'floor p99', color: PALETTE[1], dashed: true, points: floored.map((s) => [s.rules, s.floor!.latency.p99]) });
    }
    const ip = scaled.filter((s) => s.inProcess);
    if (ip.length) series.push({ name: 'in-process p50', color: PALETTE[2], points: ip.map((s) => [s.rules, s.inProcess!.latency.p50]) });
    plots.push(linePlot(series, { title: 'Scaling with store size', xLabel: 'rules in the store', yLabel: 'latency (ms)', xLog: true, yLog: true }));
    plots.push(linePlot([
      { name: 'system under test', color: PALETTE[0], points: scaled.map((s) => [s.rules, s.sut!.throughput]) },
      ...(scaled.some((s) => s.floor) ? [{ name: 'floor', color: '#555', dashed: true, points: scaled.filter((s) => s.floor).map((s) => [s.rules, s.floor!.throughput] as [number, number]) }] : []),
    ], { title: 'Throughput with store size', xLabel: 'rules in the store', yLabel: 'checks per second', xLog: true, yLog: false }));
  }
  const churn = result.stores.filter((s) => s.churn);
  const targets = result.targets.map((t) =>
    `<tr class="${t.pass ? 'pass' : 'miss'}"><td>${t.pass ? 'PASS' : 'MISS'}</td><td>${esc(t.description)}</td><td>${t.measured.toFixed(t.unit === 'MB' || t.unit === '' ? 0 : 3)} ${esc(t.unit)}</td><td>${t.comparison} ${t.limit} ${esc(t.unit)}</td><td>${esc(t.detail)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>alpsim bench: ${esc(result.profile.name)}</title>
<style>
body{font-family:sans-serif;margin:24px;max-width:1000px;color:#222}
pre{background:#f6f6f6;padding:12px;overflow-x:auto;font-size:12px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
tr.pass td:first-child{color:#1a7f37;font-weight:bold}tr.miss td:first-child{color:#c62828;font-weight:bold}
figure{margin:16px 0}
</style></head><body>
<h1>alpsim bench: ${esc(result.profile.name)}</h1>
<p>${esc(result.profile.description)}</p>
<p>System under test: <code>${esc(result.systemUnderTest.command)}</code>; ${esc(result.profile.path)} path; started ${esc(result.startedAt)};
${result.host.cpus} × ${esc(result.host.cpuModel)}; Node ${esc(result.host.node)}; run took ${(result.durationMs / 1000).toFixed(1)} s.</p>
${targets ? `<h2>Targets</h2><table><tr><th></th><th>target</th><th>measured</th><th>limit</th><th>detail</th></tr>${targets}</table>` : ''}
<h2>Plots</h2>
${plots.map((p) => `<figure>${p}</figure>`).join('\n')}
${churn.length ? '<p>Churn: propagation is the time from the feeder writing a policy update to the first probe Check whose verdict reflects it (reply time, so it includes one Check round trip).</p>' : ''}
<h2>Summary</h2>
<pre>${esc(formatSummary(result))}</pre>
<p>${result.profile.path === 'full'
    ? 'Floor: the same mTLS sidecar hop (child process with the app) without the ext_authz filter, same client, same traffic, same run.'
    : 'Floor: a no-op grpc-js ext_authz server in a child process on the same kind of Unix socket, driven by the same client with the same requests, measured right after each store.'}
Latencies are HDR-histogram percentiles; CPU and RSS come from /proc for the server's process tree; GC pauses from a preloaded perf_hooks observer (Node servers only).</p>
</body></html>
`;
}
