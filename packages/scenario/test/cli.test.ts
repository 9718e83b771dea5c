import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import t from 'tap';
import { registerScenarioCommands } from '../src/commands';
import { fixtures, resolved, scenariosDir } from './helpers';
import { runScenario } from '../src/run/scenario-run';
import { createFullTransport } from '../src/run/full-transport';

/** Run `alpsim <argv>` in-process the way packages/cli does; returns exit code and output. */
async function alpsim(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('alpsim').exitOverride();
  registerScenarioCommands(program);
  let stdout = '';
  let stderr = '';
  const write = process.stdout.write.bind(process.stdout);
  const original = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    await program.parseAsync(argv, { from: 'user' });
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const e = error as { userError?: boolean; exitCode?: number; message: string };
    if (!e.userError) throw error;
    stderr = `alpsim: ${e.message}\n`;
    code = e.exitCode ?? 2;
  } finally {
    process.stdout.write = write;
    process.exitCode = original;
  }
  return { code, stdout, stderr };
}

t.test('invalid input: file:line:col errors, exit 2, nothing started', async (t) => {
  const file = path.join(fixtures, 'invalid.yaml');
  const r = await alpsim(['run', '--mode', 'direct', file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${file}:5:11: spec.compat: expected one of 3.2 | 3.28 | 3.29, got "9.9"`);
  t.equal(r.stdout, '');

  const bad = path.join(fixtures, 'bad-ref.yaml');
  const r2 = await alpsim(['run', '--mode', 'direct', bad]);
  t.equal(r2.code, 2);
  t.match(r2.stderr, `${bad}:6:7: file: `);
  t.match(r2.stderr, /diff\/missing-\*\.yaml: pattern matched no files/);
  t.match(r2.stderr, new RegExp(`${bad}:13:\\d+: GlobalNetworkPolicy broken: spec\\.ingress\\[0\\]\\.http\\.methods: `));
  t.match(r2.stderr, /spec\.requests\[0\]\.to: expected a workload; default\/nowhere is not declared/);
  t.match(r2.stderr, /spec\.requests\[1\]\.to: expected a workload with a sidecar; default\/b has sidecar: false/);
  t.match(r2.stderr, /spec\.requests\[2\]\.port: expected one of default\/a's ports \(80\), got 81/);

  const none = await alpsim(['run', path.join(os.tmpdir(), 'no-such-scenario.yaml')]);
  t.equal(none.code, 2);
  t.match(none.stderr, /no-such-scenario\.yaml: no such file or directory/);
});

t.test('unmet expectations: exit 1, table and reporters', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alpsim-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(fixtures, 'unmet.yaml');
  const out = path.join(dir, 'report.json');
  const r = await alpsim(['run', '--mode', 'direct', '--reporter', 'json', '--out', out, '--no-color', file]);
  t.equal(r.code, 1);
  t.match(r.stdout, /✗ +shop\/frontend → shop\/backend:8080 +POST \/api\/items +allow +deny/);
  t.match(r.stdout, /1\/2 expectations met, 1 unmet/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  t.same(report.summary, { ...report.summary, total: 2, met: 1, unmet: 1, errors: 0 });
  t.same(report.scenarios[0].requests.map((q: { name: string; got: string; met: boolean }) => [q.name, q.got, q.met]), [
    ['met', 'allow', true],
    ['wrong expectation', 'deny', false],
  ]);

  const tap = await alpsim(['run', '--mode', 'direct', '--reporter', 'tap', file]);
  t.equal(tap.code, 1);
  t.match(tap.stdout, /^TAP version 14\n1\.\.2\n/);
  t.match(tap.stdout, /not ok 2 - unmet: wrong expectation/);

  const junit = path.join(dir, 'junit.xml');
  const j = await alpsim(['run', '--mode', 'direct', '--reporter', 'junit', '--out', junit, file]);
  t.equal(j.code, 1);
  t.match(fs.readFileSync(junit, 'utf8'), /<testsuites name="alpsim" tests="2" failures="1" errors="0"/);

  const ok = await alpsim(['run', '--mode', 'direct', '--coverage', '--no-color', path.join(scenariosDir, 'quickstart.yaml')]);
  t.equal(ok.code, 0);
  t.match(ok.stdout, /coverage of quickstart: 1\/1 policy rules decided at least one request/);
});

t.test('explain and diff commands', async (t) => {
  const e = await alpsim(['explain', '--no-color', path.join(scenariosDir, 'quickstart.yaml')]);
  t.equal(e.code, 0);
  t.match(e.stdout, /ingress\[0\] allow: source\.serviceAccounts\.names \["frontend"\] did not match \(source is service account shop\/intruder\)/);
  const d = await alpsim([
    'diff', path.join(scenariosDir, 'quickstart.yaml'),
    '--before', path.join(fixtures, 'diff', 'before.yaml'),
    '--after', path.join(fixtures, 'diff', 'after.yaml'),
  ]);
  t.equal(d.code, 1, 'exit 1 when verdicts change (like diff(1))');
  t.match(d.stdout, /^quickstart: 1 of 4 requests change verdict/);
  const same = await alpsim([
    'diff', path.join(scenariosDir, 'quickstart.yaml'), '--json',
    '--before', path.join(fixtures, 'diff', 'before.yaml'),
    '--after', path.join(fixtures, 'diff', 'before.yaml'),
  ]);
  t.equal(same.code, 0);
  t.same(JSON.parse(same.stdout), [{ scenario: 'quickstart', compared: 4, changes: [] }]);
});

/** Processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

t.test('Ctrl-C mid-run: every child process stopped, every socket removed, exit 130', async (t) => {
  const commands = path.resolve(__dirname, '..', 'src', 'commands.js');
  const script = `require(${JSON.stringify(commands)}).runCommand([${JSON.stringify(path.join(scenariosDir, 'faults.yaml'))}], { mode: 'full', reporter: 'table', progress: false, verbose: true })`;
  // A plain node, as a user's shell would start it (without the test runner's NODE_OPTIONS hooks).
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  let workspace = '';
  let sent = false;
  const interrupted = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      workspace ||= /harness: workspace (\S+)/.exec(stderr)?.[1] ?? '';
      if (/proxies and apps up/.test(stderr) && child.signalCode === null && !sent) {
        sent = true;
        child.kill('SIGINT');
        resolve();
      }
    });
  });
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  await Promise.race([interrupted, exited]);
  const code = await exited;
  t.equal(code, 130, `exit status of an interrupted run\n${stderr.split('\n').filter((l) => !/felix|proxy/.test(l)).join('\n')}`);
  t.ok(workspace.startsWith(os.tmpdir()) || workspace.startsWith('/tmp/'), `workspace reported (${workspace})`);
  t.notOk(fs.existsSync(workspace), 'the workspace with every socket is gone');
  t.same(processesMentioning(workspace), [], 'no Dikastes or webhook process left behind');
});

t.test('a normal run leaves nothing behind either', async (t) => {
  const [scenario] = await resolved(path.join(scenariosDir, 'quickstart.yaml'));
  let workspace = '';
  const result = await runScenario(scenario, {
    mode: 'full',
    explain: false,
    log: (line) => {
      workspace ||= /harness: workspace (\S+)/.exec(line)?.[1] ?? '';
    },
  }, createFullTransport);
  t.equal(result.error, undefined);
  t.ok(workspace, 'workspace reported');
  t.notOk(fs.existsSync(workspace), 'workspace and sockets removed');
  t.same(processesMentioning(workspace), [], 'no child process left');
});

t.test('--dikastes and --webhook run other binaries with the real CLIs', async (t) => {
  // Our own bins, given as user commands: they get `server -l <sock> -d socket` (cwd = the Felix
  // socket folder) and `<sock>`, exactly what Calico's binaries would get.
  const dikastesBin = path.join(path.dirname(require.resolve('@alpsim/dikastes/package.json')), 'bin', 'dikastes.js');
  const webhookBin = path.join(path.dirname(require.resolve('@alpsim/pilot/package.json')), 'bin', 'pilot-webhook.js');
  const r = await alpsim([
    'run', '--no-color', path.join(scenariosDir, 'quickstart.yaml'),
    '--dikastes', `"${process.execPath}" "${dikastesBin}"`,
    '--webhook', `"${process.execPath}" "${webhookBin}" --debug`,
  ]);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /quickstart \(.*full mode, compat 3\.28\) — 4\/4 met/);
  const broken = await alpsim(['run', '--mode', 'direct', path.join(scenariosDir, 'quickstart.yaml'), '--dikastes', '/nonexistent/dikastes']);
  t.equal(broken.code, 2, 'a Dikastes that cannot start is a harness failure');
  t.match(broken.stdout, /harness failure: Dikastes for shop\/\w+ \(\/nonexistent\/dikastes server -l \S+ -d socket\) exited/);
});
