import { PilotFake, pilotServiceFromManifest, type PilotFakeOptions, type PilotWorkload } from '@alpsim/pilot';
import type { ResolvedScenario, ResolvedWorkload } from '../resolve';

/**
 * What Envoy's inbound listener for a port is, as Pilot 0.7 builds it (port-name convention, or the
 * selecting Service's port name): `http` listeners run the HTTP ext_authz filter (Check with HTTP
 * attributes), `tcp` listeners the network filter (Check with peers only, on the first bytes);
 * `mongo_`/`redis_` listeners are left without ext_authz by the webhook (traffic unchecked); no
 * listener at all refuses the connection.
 */
export type ListenerKind = 'http' | 'tcp' | 'unchecked' | 'none';

export function pilotWorkloads(resolved: ResolvedScenario): PilotWorkload[] {
  return [...resolved.workloads.values()].map((w: ResolvedWorkload) => ({
    namespace: w.namespace,
    name: w.name,
    ip: w.ip,
    serviceAccount: w.serviceAccount,
    sidecar: w.sidecar,
    labels: { ...w.labels },
    ports: w.ports.map((p) => ({ port: p.port, name: p.name, protocol: p.protocol })),
  }));
}

export function createPilot(resolved: ResolvedScenario, options: Omit<PilotFakeOptions, 'workloads' | 'services'> = {}): PilotFake {
  const services = resolved.resources
    .filter((r) => r.kind === 'Service')
    .map((r) => pilotServiceFromManifest(r.object, r.source ? `${r.source.file}:${r.source.line}:${r.source.col}` : 'Service'));
  return new PilotFake({ ...options, workloads: pilotWorkloads(resolved), services, trustDomain: resolved.scenario.trustDomain, mtls: true });
}

/** Listener kind per sidecar workload and port, from Pilot's own LDS (before any webhook). */
export function listenerKinds(resolved: ResolvedScenario): Map<string, Map<number, ListenerKind>> {
  const pilot = createPilot(resolved);
  const out = new Map<string, Map<number, ListenerKind>>();
  for (const w of resolved.workloads.values()) {
    if (!w.sidecar) continue;
    const kinds = new Map<number, ListenerKind>();
    const doc = pilot.listenersFor(pilot.nodeId(w.namespace, w.name)) as { listeners: Array<{ name: string }> };
    for (const listener of doc.listeners) {
      const [type, ip, port] = listener.name.split('_');
      if (ip !== w.ip || port === undefined) continue;
      kinds.set(Number(port), type === 'http' ? 'http' : type === 'tcp' ? 'tcp' : 'unchecked');
    }
    out.set(w.key, kinds);
  }
  return out;
}
