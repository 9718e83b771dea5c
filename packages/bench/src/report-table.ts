import type { BenchResult, LoadMeasurement } from './results';

const MB = 1024 * 1024;

function fmtMs(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function ratio(a: number, b: number): string {
  if (!(b > 0) || !Number.isFinite(a / b)) return '—';
  return `${(a / b).toFixed(2)}×`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function loadRows(label: string, sut: LoadMeasurement, floor: LoadMeasurement | undefined): string[][] {
  const f = floor;
  const rows: string[][] = [
    [label, 'p50 ms', fmtMs(sut.latency.p50), f ? fmtMs(f.latency.p50) : '—', f ? ratio(sut.latency.p50, f.latency.p50) : '—'],
    ['', 'p90 ms', fmtMs(sut.latency.p90), f ? fmtMs(f.latency.p90) : '—', f ? ratio(sut.latency.p90, f.latency.p90) : '—'],
    ['', 'p99 ms', fmtMs(sut.latency.p99), f ? fmtMs(f.latency.p99) : '—', f ? ratio(sut.latency.p99, f.latency.p99) : '—'],
    ['', 'p99.9 ms', fmtMs(sut.latency.p999), f ? fmtMs(f.latency.p999) : '—', f ? ratio(sut.latency.p999, f.latency.p999) : '—'],
    ['', 'max ms', fmtMs(sut.latency.max), f ? fmtMs(f.latency.max) : '—', f ? ratio(sut.latency.max, f.latency.max) : '—'],
  ];
  if (sut.correctedLatency) {
    const fc = f?.correctedLatency;
    rows.push(['', 'p99 ms (CO-corrected)', fmtMs(sut.correctedLatency.p99), fc ? fmtMs(fc.p99) : '—', fc ? ratio(sut.correctedLatency.p99, fc.p99) : '—']);
  }
  rows.push(
    ['', 'throughput /s', sut.throughput.toFixed(0), f ? f.throughput.toFixed(0) : '—', f ? ratio(sut.throughput, f.throughput) : '—'],
    ['', 'server CPU µs/check', sut.cpuUsPerCheck.toFixed(0), f ? f.cpuUsPerCheck.toFixed(0) : '—', f ? ratio(sut.cpuUsPerCheck, f.cpuUsPerCheck) : '—'],
    ['', 'server RSS MB', (sut.rssBytes / MB).toFixed(0), f ? (f.rssBytes / MB).toFixed(0) : '—', f ? ratio(sut.rssBytes, f.rssBytes) : '—'],
  );
  if (sut.gc || f?.gc) {
    rows.push(['', 'GC pauses (count / total ms / max ms)',
      sut.gc ? `${sut.gc.count}/${sut.gc.totalMs.toFixed(0)}/${sut.gc.maxMs.toFixed(1)}` : 'n/a',
      f?.gc ? `${f.gc.count}/${f.gc.totalMs.toFixed(0)}/${f.gc.maxMs.toFixed(1)}` : '—', '']);
  }
  rows.push(['', 'checks (errors / wrong verdicts)', `${sut.completed} (${sut.errors}/${sut.unexpected})`, f ? `${f.completed} (${f.errors}/${f.unexpected})` : '—', '']);
  return rows;
}

/** The one summary table: every figure next to its floor and the ratio, then in-process, churn and targets. */
export function formatSummary(result: BenchResult): string {
  const out: string[] = [];
  out.push(`alpsim bench: ${result.profile.name} (${result.profile.path} path) — ${result.systemUnderTest.command}`);
  const la = (v: number[] | undefined) => (v ? v.map((x) => x.toFixed(1)).join('/') : '?');
  out.push(`host: ${result.host.cpus} × ${result.host.cpuModel}, node ${result.host.node}; load average ${la(result.host.loadAverageAtStart)} at start, ${la(result.host.loadAverage)} at end; seed ${result.profile.seed}`);
  if ((result.host.loadAverageAtStart?.[0] ?? 0) > result.host.cpus) out.push('warning: the machine was busy (load average above the CPU count); ratios are more trustworthy than absolute figures');
  const rows: string[][] = [['store', 'metric', 'system under test', 'floor', 'ratio']];
  for (const s of result.stores) {
    if (s.sut) rows.push(...loadRows(s.name, s.sut, s.floor));
    if (s.fullPath) {
      const fp = s.fullPath;
      rows.push(...loadRows(`${s.name} (full path)`, fp.withAuthz, fp.withoutAuthz));
      rows.push(['', 'added p50 / p99 ms', `${fmtMs(fp.addedP50Ms)} / ${fmtMs(fp.addedP99Ms)}`, '', '']);
    }
    if (s.verdictMismatches > 0) rows.push(['', 'verdict mismatches', String(s.verdictMismatches), '', '']);
  }
  if (rows.length > 1) {
    out.push('');
    out.push(table(rows));
  }
  const svb = result.stores.filter((s) => s.scenarioVsBare);
  if (svb.length) {
    out.push('');
    out.push('scenario overhead (whole direct-mode scenario vs the same number of bare Check calls):');
    const r: string[][] = [['requests', 'concurrency', 'scenario ms', 'bare Checks ms', 'ratio', 'expectations met']];
    for (const s of svb) {
      const v = s.scenarioVsBare!;
      r.push([String(v.requests), String(v.concurrency), v.scenarioMs.toFixed(0), v.bareMs.toFixed(0), `${v.ratio.toFixed(2)}×`, `${v.scenarioRequestsMet}/${v.requests}`]);
    }
    out.push(table(r));
  }
  const inProc = result.stores.filter((s) => s.inProcess);
  if (inProc.length) {
    out.push('');
    out.push('in-process evaluation (our engine: PolicyStore + evaluateCheck, no gRPC):');
    const r: string[][] = [['store', 'rules', 'p50 ms', 'p99 ms', 'max ms', 'load ms', 'RSS MB', 'store MB']];
    for (const s of inProc) {
      const ip = s.inProcess!;
      r.push([s.name, String(s.rules), fmtMs(ip.latency.p50), fmtMs(ip.latency.p99), fmtMs(ip.latency.max), ip.loadMs.toFixed(0),
        (ip.rssWithStoreBytes / MB).toFixed(0), (ip.storeRssBytes / MB).toFixed(0)]);
    }
    out.push(table(r));
  }
  const churn = result.stores.filter((s) => s.churn);
  if (churn.length) {
    out.push('');
    out.push('policy churn (update sent by the feeder → first probe Check reflecting it):');
    const r: string[][] = [['store', 'rate/s', 'updates', 'observed', 'p50 ms', 'p99 ms', 'max ms', 'probe RTT p50/p99 ms', 'failed checks']];
    for (const s of churn) {
      const c = s.churn!;
      r.push([s.name, String(c.rate), String(c.updatesSent), String(c.observed), fmtMs(c.propagation.p50), fmtMs(c.propagation.p99),
        fmtMs(c.propagation.max), c.probeRoundTrip ? `${fmtMs(c.probeRoundTrip.p50)}/${fmtMs(c.probeRoundTrip.p99)}` : '—', String(c.failedChecks + c.probeErrors)]);
    }
    out.push(table(r));
  }
  if (result.targets.length) {
    out.push('');
    out.push('targets:');
    for (const t of result.targets) {
      const measured = t.unit === 'MB' ? t.measured.toFixed(0) : t.measured.toFixed(t.unit === '' ? 0 : 3);
      out.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.description}: ${measured}${t.unit} (target ${t.comparison} ${t.limit}${t.unit})  ${t.detail}`);
    }
  }
  return out.join('\n');
}
