import type { WorkloadInfo } from '@alpsim/calico';
import { PilotInputError, type PilotService, type PilotServicePort, type PilotWorkload } from './pilot-model';

/** A PilotFake workload from the calico package's WorkloadInfo (first IP is the pod IP). */
export function pilotWorkloadFromInfo(info: WorkloadInfo, options: { sidecar?: boolean } = {}): PilotWorkload {
  if (info.ips.length === 0) throw new PilotInputError(`workload ${info.key}: has no IP address`);
  return {
    namespace: info.namespace,
    name: info.name,
    ip: info.ips[0],
    serviceAccount: info.serviceAccount || 'default',
    labels: { ...info.labels },
    ports: info.ports.map((p) => ({ port: p.port, name: p.name, protocol: p.protocol })),
    sidecar: options.sidecar ?? true,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A PilotFake service from a Kubernetes v1 Service manifest (already parsed YAML/JSON). */
export function pilotServiceFromManifest(manifest: unknown, where = 'Service'): PilotService {
  if (!isObject(manifest) || manifest.kind !== 'Service') throw new PilotInputError(`${where}: expected a v1 Service object`);
  const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
  const spec = isObject(manifest.spec) ? manifest.spec : {};
  if (typeof metadata.name !== 'string') throw new PilotInputError(`${where}: metadata.name: expected a string`);
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
  if (!Array.isArray(spec.ports)) throw new PilotInputError(`${where} ${namespace}/${metadata.name}: spec.ports: expected a list`);
  const ports = spec.ports.map((p: unknown, i: number): PilotServicePort => {
    if (!isObject(p) || typeof p.port !== 'number') throw new PilotInputError(`${where} ${namespace}/${metadata.name}: spec.ports[${i}].port: expected a number`);
    const targetPort = typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : undefined;
    return { port: p.port, targetPort, name: typeof p.name === 'string' ? p.name : undefined, protocol: typeof p.protocol === 'string' ? p.protocol : undefined };
  });
  const selector = isObject(spec.selector) ? Object.fromEntries(Object.entries(spec.selector).map(([k, v]) => [k, String(v)])) : undefined;
  return { namespace, name: metadata.name, clusterIP: typeof spec.clusterIP === 'string' ? spec.clusterIP : undefined, ports, selector };
}
