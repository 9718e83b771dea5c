import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { type BenchResult, ourDikastesBin, runBenchCommand, sutArgv } from '../src/index';

const TINY = path.resolve(__dirname, '..', '..', '..', '..', 'bench', 'profiles', 'tiny.yaml');

t.test('system-under-test command lines', async (t) => {
  t.same(sutArgv(undefined, 'dk.sock', 'felix.sock').slice(1), [ourDikastesBin(), 'server', '-l', 'dk.sock', '-d', 'felix.sock']);
  t.same(sutArgv('/opt/dikastes', 'a.sock', 'b.sock'), ['/opt/dikastes', 'server', '-l', 'a.sock', '-d', 'b.sock']);
  t.same(sutArgv('docker run x -l {listen} --dial={dial}', 'a.sock', 'b.sock'), ['docker', 'run', 'x', '-l', 'a.sock', '--dial=b.sock']);
});

t.test('the tiny profile end to end: our dikastes in a child process over real Unix sockets', async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tiny-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
  let run: { code: number; result: BenchResult };
  try {
    run = await runBenchCommand(TINY, { out, quiet: true, strict: false });
  } finally {
    process.stdout.write = original;
  }
  const { code, result } = run;
  t.equal(code, 0);
  const summary = written.join('');
  t.match(summary, /store\s+metric\s+system under test\s+floor\s+ratio/);
  t.match(summary, /10 rules\s+p50 ms/);
  t.match(summary, /in-process evaluation/);

  const json = JSON.parse(fs.readFileSync(result.files.json, 'utf8')) as BenchResult;
  t.equal(json.format, 'alpsim-bench/1');
  t.ok(fs.existsSync(path.join(out, 'tiny-latest.json')));
  t.equal(json.stores.length, 2);
  for (const store of json.stores) {
    t.equal(store.verdictMismatches, 0, `${store.name}: every verdict is the one known by construction`);
    t.ok(store.startupAndSyncMs > 0);
    const sut = store.sut!;
    t.ok(sut.completed > 20, `${store.name}: ${sut.completed} checks`);
    t.equal(sut.errors, 0);
    t.equal(sut.unexpected, 0);
    t.ok(sut.latency.p50 > 0 && sut.latency.p50 <= sut.latency.p99 && sut.latency.p99 <= sut.latency.max);
    t.ok(sut.cpuMs > 0, 'server CPU time read from /proc');
    t.ok(sut.rssBytes > 10 * 1024 * 1024, 'server RSS read from /proc');
    t.ok(sut.gc && sut.gc.count >= 0, 'GC observer reported');
    const floor = store.floor!;
    t.ok(floor.completed > 20 && floor.errors === 0 && floor.unexpected === 0, 'floor measured in the same run');
    t.ok(Math.abs(store.ratios!.p50 - sut.latency.p50 / floor.latency.p50) < 1e-9);
    t.equal(sut.windows?.length, 4, 'SUT measured in 4 slices');
    t.equal(floor.windows?.length, 4, 'floor measured in 4 slices alternating with them');
    t.ok(sut.windows![0][1] <= floor.windows![0][0] && floor.windows![0][1] <= sut.windows![1][0], 'slices alternate');
    t.ok(store.inProcess && store.inProcess.latency.count === 500 && store.inProcess.verdictMismatches === 0, 'in-process timing');
  }
  const html = fs.readFileSync(result.files.html, 'utf8');
  t.match(html, /<svg[^>]*>/);
  t.match(html, /Check latency by percentile/);
  t.match(html, /Scaling with store size/);
});
