import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { type SvidFlaw, SVID_FLAWS, createCertificateAuthority, loadCertificateAuthority, ISTIO_DEFAULTS } from './ca';
import { PkiInputError } from './errors';
import { ISTIO_CA_FILES, writeIstioLayout } from './layout';
import { workloadSpiffeId } from './spiffe';
import type { KeyType } from './x509-build';

export interface CertsCommandOptions {
  out: string;
  trustDomain: string;
  key: string;
  ttl?: string;
  flaw?: string;
}

/** `19h`, `30m`, `7d`, `90s` or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!match) throw new PkiInputError(`--ttl: expected a duration like 19h, 30m, 7d or seconds (got ${JSON.stringify(text)})`);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * factor;
}

/**
 * Writes (or reuses) a CA under `out` and one Istio secret layout per identity:
 *   <out>/ca-cert.pem, <out>/ca-key.pem           (istio-ca-secret)
 *   <out>/<ns>/<sa>/cert-chain.pem, key.pem, root-cert.pem   (istio.<sa>, as mounted at /etc/certs)
 * Everything is validated before anything is written. Returns the directories written.
 */
export function runCertsCommand(identities: string[], options: CertsCommandOptions, log: (line: string) => void = () => {}): string[] {
  if (identities.length === 0) throw new PkiInputError('certs: give at least one <namespace>/<serviceaccount>');
  if (options.key !== 'rsa' && options.key !== 'ec') throw new PkiInputError(`--key: expected "rsa" or "ec" (got ${JSON.stringify(options.key)})`);
  const keyType: KeyType = options.key;
  if (options.flaw !== undefined && !SVID_FLAWS.includes(options.flaw as SvidFlaw)) {
    throw new PkiInputError(`--flaw: expected one of ${SVID_FLAWS.join(', ')} (got ${JSON.stringify(options.flaw)})`);
  }
  const ttlSeconds = options.ttl === undefined ? undefined : parseDuration(options.ttl);
  const parsed = identities.map((arg, i) => {
    const parts = arg.split('/');
    if (parts.length !== 2) throw new PkiInputError(`argument ${i + 1} ${JSON.stringify(arg)}: expected <namespace>/<serviceaccount>`);
    try {
      workloadSpiffeId(options.trustDomain, parts[0], parts[1]);
    } catch (error) {
      throw new PkiInputError(`argument ${i + 1} ${JSON.stringify(arg)}: ${(error as Error).message}`);
    }
    return { namespace: parts[0], serviceAccount: parts[1] };
  });

  const caCertPath = path.join(options.out, ISTIO_CA_FILES.cert);
  const caKeyPath = path.join(options.out, ISTIO_CA_FILES.key);
  const reuse = fs.existsSync(caCertPath) && fs.existsSync(caKeyPath);
  const ca = reuse
    ? loadCertificateAuthority({ certPem: fs.readFileSync(caCertPath, 'utf8'), keyPem: fs.readFileSync(caKeyPath, 'utf8'), trustDomain: options.trustDomain })
    : createCertificateAuthority({ trustDomain: options.trustDomain, keyType });
  // Issue everything in memory first so a failure leaves the directory untouched.
  const svids = parsed.map((id) => ({ id, svid: ca.issueWorkload({ ...id, keyType, ttlSeconds, flaw: options.flaw as SvidFlaw | undefined }) }));
  fs.mkdirSync(options.out, { recursive: true });
  if (!reuse) {
    fs.writeFileSync(caCertPath, ca.certPem, { mode: 0o644 });
    fs.writeFileSync(caKeyPath, ca.keyPem, { mode: 0o600 });
    log(`CA ${ca.spiffeId} (${ca.keyType}) -> ${caCertPath}`);
  } else {
    log(`reusing CA ${ca.spiffeId} from ${caCertPath}`);
  }
  return svids.map(({ id, svid }) => {
    const dir = path.join(options.out, id.namespace, id.serviceAccount);
    writeIstioLayout(dir, svid);
    log(`${svid.spiffeId} (${svid.keyType}, until ${svid.notAfter.toISOString()}) -> ${dir}`);
    return dir;
  });
}

export function registerPkiCommands(program: Command): void {
  program
    .command('certs')
    .description('Issue a SPIFFE CA and Istio-style X.509-SVIDs (<out>/<ns>/<sa>/{cert-chain,key,root-cert}.pem)')
    .argument('<identities...>', '<namespace>/<serviceaccount> for each workload identity')
    .requiredOption('--out <dir>', 'output directory')
    .option('--trust-domain <td>', 'SPIFFE trust domain', ISTIO_DEFAULTS.trustDomain)
    .option('--key <type>', 'key type: rsa (2048, Istio default) or ec (P-256)', 'rsa')
    .option('--ttl <duration>', 'workload certificate lifetime (default 19h, max 7d)')
    .option('--flaw <flaw>', `issue deliberately bad certificates for negative tests: ${SVID_FLAWS.join('|')}`)
    .action((identities: string[], options: CertsCommandOptions) => {
      runCertsCommand(identities, options, (line) => process.stdout.write(`${line}\n`));
    });
}
