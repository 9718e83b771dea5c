/**
 * Preloaded into a Node system under test with NODE_OPTIONS=--require <this file>: records every
 * GC pause (perf_hooks 'gc' entries: epoch start time, duration, kind) and rewrites the JSON file
 * named by ALPSIM_BENCH_GC_FILE at most every 200 ms and at exit. No --expose-gc needed, and the
 * system under test's stdout/stderr are left untouched.
 */
import * as fs from 'node:fs';
import { PerformanceObserver, performance, constants } from 'node:perf_hooks';

const file = process.env.ALPSIM_BENCH_GC_FILE;
if (file) {
  const KINDS: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const pauses: [number, number, string][] = [];
  let dirty = false;
  const flush = () => {
    if (!dirty) return;
    dirty = false;
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, pauses }));
    } catch {
      // The harness may have removed its run directory already.
    }
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (pauses.length < 200_000) pauses.push([performance.timeOrigin + entry.startTime, entry.duration, KINDS[kind] ?? String(kind)]);
      dirty = true;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
