import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import t from 'tap';
import { readIstioLayout, registerPkiCommands, verifySvid } from '../src/index';

const cliBin = path.resolve(__dirname, '../../../cli/bin/alpsim.js');

function tempDir(t: Tap): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alpsim-certs-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
type Tap = { teardown(fn: () => unknown): void };

async function run(args: string[]): Promise<void> {
  const program = new Command('alpsim').exitOverride();
  registerPkiCommands(program);
  await program.parseAsync(['certs', ...args], { from: 'user' });
}

t.test('alpsim certs writes the CA and one Istio layout per identity', async (t) => {
  const out = tempDir(t);
  await run(['--out', out, '--trust-domain', 'example.org', '--key', 'ec', 'default/web', 'prod/db']);
  const files = ['ca-cert.pem', 'ca-key.pem', 'default/web/cert-chain.pem', 'default/web/key.pem', 'default/web/root-cert.pem', 'prod/db/cert-chain.pem', 'prod/db/key.pem', 'prod/db/root-cert.pem'];
  for (const f of files) t.ok(fs.existsSync(path.join(out, f)), f);
  t.equal(fs.statSync(path.join(out, 'default/web/key.pem')).mode & 0o777, 0o600, 'key.pem is private');
  t.equal(fs.statSync(path.join(out, 'ca-key.pem')).mode & 0o777, 0o600, 'ca-key.pem is private');
  const web = readIstioLayout(path.join(out, 'default/web'));
  t.equal(web.rootCertPem, fs.readFileSync(path.join(out, 'ca-cert.pem'), 'utf8'));
  t.equal(verifySvid(web.certChainPem, web.rootCertPem).spiffeId, 'spiffe://example.org/ns/default/sa/web');

  // A second run reuses the CA, so old and new identities share one root.
  await run(['--out', out, '--trust-domain', 'example.org', '--key', 'ec', 'late/comer']);
  const late = readIstioLayout(path.join(out, 'late/comer'));
  t.equal(late.rootCertPem, web.rootCertPem, 'CA reused');
  t.equal(verifySvid(late.certChainPem, web.rootCertPem).spiffeId, 'spiffe://example.org/ns/late/sa/comer');
});

t.test('alpsim certs --flaw and --ttl', async (t) => {
  const out = tempDir(t);
  await run(['--out', out, '--key', 'ec', '--flaw', 'two-uri-sans', 'a/b']);
  const bad = readIstioLayout(path.join(out, 'a/b'));
  t.throws(() => verifySvid(bad.certChainPem, bad.rootCertPem), { code: 'MULTIPLE_URI_SANS' });
  await run(['--out', out, '--key', 'ec', '--ttl', '30m', 'a/c']);
  const short = verifySvid(readIstioLayout(path.join(out, 'a/c')).certChainPem, bad.rootCertPem);
  t.equal(short.notAfter.getTime() - short.notBefore.getTime(), 30 * 60_000);
  t.equal(short.trustDomain, 'cluster.local', 'default trust domain is cluster.local');
});

t.test('bad input: clear message, exit code 2, nothing written', async (t) => {
  const out = path.join(tempDir(t), 'certs');
  const cases: [string[], RegExp][] = [
    [['--out', out, 'default/web', 'noslash'], /argument 2 "noslash": expected <namespace>\/<serviceaccount>/],
    [['--out', out, 'Bad_NS!/x'], /argument 1 "Bad_NS!\/x": invalid namespace .*found "!"/],
    [['--out', out, '--trust-domain', 'UPPER', 'a/b'], /invalid trust domain "UPPER"/],
    [['--out', out, '--key', 'dsa', 'a/b'], /--key: expected "rsa" or "ec"/],
    [['--out', out, '--ttl', 'soon', 'a/b'], /--ttl: expected a duration/],
    [['--out', out, '--ttl', '8d', 'a/b'], /exceeds the maximum/],
    [['--out', out, '--flaw', 'bogus', 'a/b'], /--flaw: expected one of expired/],
  ];
  for (const [args, message] of cases) {
    const error = await run(args).then(
      () => undefined,
      (e: Error & { userError?: boolean }) => e,
    );
    t.match(error?.message, message, args.join(' '));
    t.equal(error?.userError, true, 'flagged as a user error');
    t.notOk(fs.existsSync(out), 'nothing written');
  }
  // Through the real CLI once: exit code 2, "alpsim: <message>", no stack trace.
  const result = spawnSync(process.execPath, [cliBin, 'certs', ...cases[1][0]], { encoding: 'utf8' });
  t.equal(result.status, 2, 'exit 2');
  t.match(result.stderr, /^alpsim: argument 1 "Bad_NS!\/x": invalid namespace/);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
  t.notOk(fs.existsSync(out), 'nothing written');
});
