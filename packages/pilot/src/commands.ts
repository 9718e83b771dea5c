import type { Command } from 'commander';
import { loadResources } from '@alpsim/calico';
import { PilotFake } from './pilot-fake';
import { PilotInputError } from './pilot-model';
import { pilotConfigFromResources } from './resources';

export interface PilotCommandOptions {
  node?: string;
  xds: string;
  route?: string;
  serviceKey?: string;
  webhookEndpoint?: string;
  serve?: boolean;
  port?: string;
  host: string;
  mtls: boolean;
}

/** Builds the PilotFake of `alpsim pilot` from resource files. */
export async function pilotFromFiles(inputs: string[], options: Pick<PilotCommandOptions, 'webhookEndpoint' | 'mtls'>): Promise<PilotFake> {
  const { workloads, services } = pilotConfigFromResources(await loadResources(inputs));
  return new PilotFake({ workloads, services, webhookEndpoint: options.webhookEndpoint, mtls: options.mtls, log: (line) => process.stderr.write(`pilot: ${line}\n`) });
}

/** The discovery path for one `--xds` kind and node. */
export function discoveryPath(pilot: PilotFake, options: PilotCommandOptions): string {
  if (options.xds === 'sds') {
    if (!options.serviceKey) throw new PilotInputError('--xds sds needs --service-key <host>|<port name>');
    return `/v1/registration/${encodeURIComponent(options.serviceKey)}`;
  }
  if (!options.node) throw new PilotInputError(`--xds ${options.xds} needs --node <namespace>/<pod> (sidecars: ${pilot.nodeIds().join(', ') || 'none'})`);
  const [namespace, name, extra] = options.node.split('/');
  if (!namespace || !name || extra !== undefined) throw new PilotInputError(`--node: expected <namespace>/<pod>, got ${JSON.stringify(options.node)}`);
  const node = pilot.nodeId(namespace, name);
  if (!pilot.nodeIds().includes(node)) throw new PilotInputError(`--node ${options.node}: the pod has no sidecar (annotation sidecar.istio.io/inject: "false"), so no Envoy asks Pilot for it`);
  switch (options.xds) {
    case 'lds':
      return `/v1/listeners/istio-proxy/${node}`;
    case 'cds':
      return `/v1/clusters/istio-proxy/${node}`;
    case 'rds':
      if (!options.route) throw new PilotInputError('--xds rds needs --route <port>');
      return `/v1/routes/${options.route}/istio-proxy/${node}`;
    default:
      throw new PilotInputError(`--xds: expected lds, cds, rds or sds, got ${JSON.stringify(options.xds)}`);
  }
}

export function registerPilotCommands(program: Command): void {
  program
    .command('pilot')
    .description('Istio 0.7 Pilot fake: print or serve v1 LDS/CDS/RDS/SDS for the sidecars of a resource set')
    .argument('<resources...>', 'resource files, directories or globs (Pods/Deployments, Services)')
    .option('--node <ns/pod>', 'the sidecar to print discovery for')
    .option('--xds <kind>', 'lds, cds, rds or sds', 'lds')
    .option('--route <name>', 'RDS route config name (the outbound port)')
    .option('--service-key <key>', 'SDS service key <host>|<port name>')
    .option('--webhook-endpoint <url>', "Pilot's --webhookEndpoint: unix:///path or http://host:port")
    .option('--no-mtls', 'mesh without mutual TLS')
    .option('--serve', 'serve discovery over HTTP until interrupted')
    .option('--port <n>', 'port for --serve (default: any free port)')
    .option('--host <ip>', 'address for --serve', '127.0.0.1')
    .action(async (inputs: string[], options: PilotCommandOptions) => {
      const pilot = await pilotFromFiles(inputs, options);
      if (options.serve) {
        const port = options.port === undefined ? 0 : Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PilotInputError(`--port: expected a port number, got ${JSON.stringify(options.port)}`);
        const server = await pilot.listen({ host: options.host, port });
        process.stdout.write(`pilot: serving v1 discovery on ${server.url}\n`);
        for (const node of pilot.nodeIds()) process.stdout.write(`  ${server.url}/v1/listeners/istio-proxy/${node}\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await pilot.close();
        return;
      }
      const answer = await pilot.discover(discoveryPath(pilot, options));
      if (answer.status !== 200) throw Object.assign(new PilotInputError(answer.body), { exitCode: 1 });
      if (answer.source === 'fallback') process.stderr.write("pilot: webhook unreachable; printed Pilot's own JSON\n");
      process.stdout.write(answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`);
    });
}
