// `alpsim proxy`: run one sidecar from an LDS file, stdin or a Pilot URL, with Istio-layout certificates,
// until SIGINT/SIGTERM — e.g. in front of a real dikastes binary.
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { readIstioLayout } from '@alpsim/pki';
import { AUTHZ_API_VERSIONS, type AuthzApiVersion } from '@alpsim/proto';
import { request as httpRequest } from 'undici';
import { LdsConfigError } from './lds';
import { startSidecar, type Sidecar, type SidecarOptions } from './sidecar';

export interface ProxyCommandOptions {
  lds: string;
  workloadIp: string;
  loopback: string;
  certs?: string;
  cluster: string[];
  listenPort: string[];
  peer: string[];
  authzApi: string;
  authzTimeoutMs?: string;
  failureModeAllow?: boolean;
  clientCertPolicy: string;
  compat: string;
  refreshMs?: string;
}

function inputError(message: string): Error {
  return Object.assign(new Error(message), { userError: true });
}

function pairs(values: string[], flag: string, what: string): [string, string][] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw inputError(`${flag} ${JSON.stringify(v)}: expected ${what}`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

/** LDS text from a file, '-' (stdin) or an http(s) URL (Pilot's /v1/listeners/<cluster>/<node>). */
async function readLds(source: string): Promise<string> {
  if (source === '-') return fs.readFileSync(0, 'utf8');
  if (/^https?:\/\//.test(source)) {
    try {
      const res = await httpRequest(source);
      return await res.body.text(); // Envoy took whatever body Pilot served
    } catch (err) {
      throw inputError(`--lds ${source}: ${(err as Error).message}`);
    }
  }
  try {
    return fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw inputError(`--lds ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** Turn command-line options into SidecarOptions; every problem is a userError naming its flag. */
export async function proxyOptionsFromArgs(o: ProxyCommandOptions, log: (line: string) => void): Promise<SidecarOptions> {
  if (!AUTHZ_API_VERSIONS.includes(o.authzApi as AuthzApiVersion)) throw inputError(`--authz-api: expected one of ${AUTHZ_API_VERSIONS.join(', ')} (got ${JSON.stringify(o.authzApi)})`);
  if (o.clientCertPolicy !== 'svid' && o.clientCertPolicy !== 'envoy') throw inputError(`--client-cert-policy: expected svid or envoy (got ${JSON.stringify(o.clientCertPolicy)})`);
  if (o.compat !== '2018' && o.compat !== 'modern') throw inputError(`--compat: expected 2018 or modern (got ${JSON.stringify(o.compat)})`);
  let authzTimeoutMs: number | undefined;
  if (o.authzTimeoutMs !== undefined) {
    authzTimeoutMs = Number(o.authzTimeoutMs);
    if (!Number.isFinite(authzTimeoutMs) || authzTimeoutMs <= 0) throw inputError(`--authz-timeout-ms: expected a positive number (got ${JSON.stringify(o.authzTimeoutMs)})`);
  }
  const listenPorts: Record<number, number> = {};
  for (const [scenario, real] of pairs(o.listenPort, '--listen-port', '<port>=<real port>')) {
    if (!/^\d+$/.test(scenario) || !/^\d+$/.test(real)) throw inputError(`--listen-port ${scenario}=${real}: expected numbers`);
    listenPorts[Number(scenario)] = Number(real);
  }
  let certs: SidecarOptions['certs'];
  if (o.certs) {
    try {
      certs = readIstioLayout(o.certs);
    } catch (err) {
      throw inputError(`--certs ${o.certs}: expected cert-chain.pem, key.pem and root-cert.pem (${(err as Error).message})`);
    }
  }
  return {
    lds: await readLds(o.lds),
    ldsSource: o.lds === '-' ? 'stdin' : o.lds,
    workloadIp: o.workloadIp,
    loopbackAddress: o.loopback,
    listenPorts,
    peerIps: Object.fromEntries(pairs(o.peer, '--peer', '<loopback address>=<scenario IP>')),
    certs,
    clusters: Object.fromEntries(pairs(o.cluster, '--cluster', '<name>=<endpoint>')),
    authzApiVersion: o.authzApi as AuthzApiVersion,
    authzTimeoutMs,
    failureModeAllow: o.failureModeAllow,
    clientCertPolicy: o.clientCertPolicy,
    compat: o.compat,
    logger: (line) => log(line),
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerProxyCommands(program: Command): void {
  program
    .command('proxy')
    .description('Run an Envoy-like sidecar configured from v1 LDS JSON (mTLS inbound listeners, envoy.ext_authz → Dikastes) until interrupted')
    .requiredOption('--lds <source>', 'LDS JSON: a file, - for stdin, or a Pilot URL (http://host:port/v1/listeners/istio-proxy/<node>)')
    .requiredOption('--workload-ip <ip>', 'the pod IP inbound listeners are named after')
    .option('--loopback <address>', 'address the listeners bind (127.0.0.0/8)', '127.0.0.1')
    .option('--certs <dir>', 'Istio secret layout: cert-chain.pem, key.pem, root-cert.pem')
    .option('--cluster <name=endpoint>', 'cluster endpoint, repeatable: calico.dikastes=unix:///path, in.8080=127.0.0.1:9000', collect, [])
    .option('--listen-port <port=real>', 'bind the listener for scenario <port> on <real> (default: ephemeral), repeatable', collect, [])
    .option('--peer <loopback=ip>', 'map a peer loopback address to its scenario IP, repeatable', collect, [])
    .option('--authz-api <version>', `ext_authz service: ${AUTHZ_API_VERSIONS.join(' | ')}`, 'v2')
    .option('--authz-timeout-ms <ms>', 'ext_authz gRPC timeout (default: filter config, else 200)')
    .option('--failure-mode-allow', 'let requests through when the ext_authz call fails')
    .option('--client-cert-policy <policy>', 'envoy (chain check only, as Envoy) | svid (also the X.509-SVID rules)', 'envoy')
    .option('--compat <era>', '2018 | modern', '2018')
    .option('--refresh-ms <ms>', 'with a Pilot URL: poll LDS every <ms> and apply changes (bad responses keep the running config)')
    .action(async (o: ProxyCommandOptions) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      let refreshMs: number | undefined;
      if (o.refreshMs !== undefined) {
        refreshMs = Number(o.refreshMs);
        if (!/^https?:\/\//.test(o.lds)) throw inputError('--refresh-ms: only with --lds <Pilot URL>');
        if (!Number.isFinite(refreshMs) || refreshMs < 10) throw inputError(`--refresh-ms: expected a number of milliseconds >= 10 (got ${JSON.stringify(o.refreshMs)})`);
      }
      const options = await proxyOptionsFromArgs(o, out);
      const sidecar: Sidecar = await startSidecar(options);
      const printListeners = () => {
        for (const l of sidecar.listeners) {
          out(`listener ${l.name} (${l.kind}${l.tls ? ', mTLS' : ''}) on ${l.address.host}:${l.address.port} filters [${l.filters.join(', ')}]`);
        }
      };
      printListeners();
      let lastBody = options.lds;
      const timer = refreshMs === undefined ? undefined : setInterval(() => {
        // Rejections are logged by the sidecar; a poll that fails to connect just waits for the next one.
        void readLds(o.lds).then(async (body) => {
          if (body === lastBody) return;
          lastBody = body;
          const { added, modified, removed } = await sidecar.updateLds(body, o.lds);
          if (added.length + modified.length + removed.length > 0) printListeners();
        }).catch((err: Error) => { if (!(err instanceof LdsConfigError)) out(`LDS poll failed: ${err.message}`); });
      }, refreshMs);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      if (timer) clearInterval(timer);
      await sidecar.close();
      out(`counters ${JSON.stringify(sidecar.counters.snapshot())}`);
    });
}
