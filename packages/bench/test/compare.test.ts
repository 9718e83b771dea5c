import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import t from 'tap';
import { type BenchResult, compareResults, parseThreshold, registerBenchCommands, targetRanges } from '../src/index';

function result(p50: number, throughput: number, inProcessP50?: number): BenchResult {
  const latency = { count: 100, min: p50 / 2, mean: p50, p50, p90: p50 * 2, p99: p50 * 4, p999: p50 * 5, max: p50 * 6 };
  return {
    format: 'alpsim-bench/1',
    profile: { name: 'x', description: '', file: 'x.yaml', path: 'direct', seed: 1, compat: '3.28', traffic: {} },
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    host: { node: 'v20', platform: 'linux', cpus: 2, cpuModel: 'cpu', totalMemoryBytes: 1, loadAverageAtStart: [0, 0, 0], loadAverage: [0, 0, 0] },
    systemUnderTest: { command: 'dikastes', ours: true },
    stores: [
      {
        name: '1000 rules',
        rules: 1000,
        shape: {} as BenchResult['stores'][0]['shape'],
        stats: {} as BenchResult['stores'][0]['stats'],
        generateMs: 1,
        startupAndSyncMs: 1,
        verdictMismatches: 0,
        mismatchDetail: [],
        sut: {
          latency, curve: [], histogram: '', throughput, completed: 100, errors: 0, unexpected: 0, unexpectedCodes: {},
          errorMessages: [], dropped: 0, durationMs: 1000, cpuMs: 10, cpuUsPerCheck: 100, rssBytes: 1, peakRssBytes: 1,
        },
        inProcess: inProcessP50 === undefined ? undefined : {
          rules: 1000, loadMs: 1, baselineRssBytes: 1, rssWithStoreBytes: 2, heapUsedWithStoreBytes: 1, storeRssBytes: 1,
          latency: { ...latency, p50: inProcessP50 }, curve: [], histogram: '', verdictMismatches: 0,
        },
      },
    ],
    targets: [],
    files: { json: '', html: '' },
  };
}

t.test('threshold parsing', async (t) => {
  t.equal(parseThreshold('10%'), 0.1);
  t.equal(parseThreshold('10'), 0.1);
  t.equal(parseThreshold('0.05'), 0.05);
  t.throws(() => parseThreshold('ten'), { message: /--threshold/ });
});

t.test('latency up and throughput down beyond the threshold are regressions; within it they are not', async (t) => {
  const base = result(1.0, 1000, 0.05);
  const slightly = compareResults(base, result(1.05, 960, 0.052), 0.1);
  t.equal(slightly.regressions.length, 0, '5 % slower is within 10 %');
  const worse = compareResults(base, result(1.2, 1000, 0.05), 0.1);
  t.same(worse.regressions.map((r) => r.metric).sort(), ['p50 ms', 'p99 ms']);
  t.ok(Math.abs(worse.regressions[0].worseBy - 0.2) < 1e-9);
  const slower = compareResults(base, result(1.0, 800, 0.05), 0.1);
  t.same(slower.regressions.map((r) => r.metric), ['throughput/s'], 'lower throughput is worse');
  const better = compareResults(base, result(0.5, 2000, 0.01), 0.1);
  t.equal(better.regressions.length, 0, 'improvements never regress');
  const inproc = compareResults(base, result(1.0, 1000, 0.08), 0.1);
  t.same(inproc.regressions.map((r) => r.metric), ['in-process p50 ms']);
});

t.test('`alpsim bench compare` exit codes', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-compare-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, r: BenchResult) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify(r));
    return f;
  };
  const a = write('a.json', result(1.0, 1000));
  const b = write('b.json', result(1.3, 1000));
  const run = async (args: string[]) => {
    const program = new Command('alpsim').exitOverride();
    registerBenchCommands(program);
    const saved = process.exitCode;
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(args, { from: 'user' });
      return { code: process.exitCode, out: writes.join('') };
    } finally {
      process.stdout.write = original;
      process.exitCode = saved;
    }
  };
  const regression = await run(['bench', 'compare', a, b]);
  t.equal(regression.code, 1);
  t.match(regression.out, /REGRESSION\s+1000 rules \/ p50 ms: 1 → 1.3 \(\+30.0 % worse\)/);
  t.equal((await run(['bench', 'compare', a, b, '--threshold', '50%'])).code, 0, 'within a 50 % threshold');
  t.equal((await run(['bench', 'compare', b, a])).code, 0, 'faster is fine');
  const bad = write('bad.json', { nope: 1 } as unknown as BenchResult);
  await t.rejects(run(['bench', 'compare', a, bad]), { message: /not an alpsim bench result/ });
  await t.rejects(run(['bench', 'compare', a, path.join(dir, 'missing.json')]), { message: /ENOENT/ });
});

t.test('target ranges over repeated runs', async (t) => {
  const withTarget = (measured: number, pass: boolean): BenchResult => ({
    ...result(1, 1),
    targets: [{ id: 'x', description: 'x', measured, limit: 1.3, unit: '×', comparison: '<=', pass, detail: '' }],
  });
  const [range] = targetRanges([withTarget(1.2, true), withTarget(1.5, false), withTarget(1.0, true)]);
  t.same([range.min, range.median, range.max, range.passes], [1.0, 1.2, 1.5, 2]);
  const [even] = targetRanges([withTarget(1, true), withTarget(2, true)]);
  t.equal(even.median, 1.5);
});
