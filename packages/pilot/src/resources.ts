import * as net from 'node:net';
import { type LoadedResource, computeDataplane, expandPods } from '@alpsim/calico';
import { pilotServiceFromManifest, pilotWorkloadFromInfo } from './adapters';
import { PilotInputError, type PilotService, type PilotWorkload } from './pilot-model';

/** Pods annotated `sidecar.istio.io/inject: "false"` get no sidecar (no xDS node), as with Istio's injector. */
export const SIDECAR_INJECT_ANNOTATION = 'sidecar.istio.io/inject';

/** Where Kubernetes would have allocated service IPs from (kubeadm/kind default service CIDR). */
const SERVICE_CIDR_BASE = [10, 96];

/**
 * Workloads and services for PilotFake from a calico resource set: pods (and the pods of
 * Deployments etc.) with the IPs the calico package assigns, Services as written. A Service
 * without spec.clusterIP gets a deterministic one from 10.96.0.0/16 (in name order), as the API
 * server would have given it one; `clusterIP: None` stays headless.
 */
export function pilotConfigFromResources(resources: LoadedResource[]): { workloads: PilotWorkload[]; services: PilotService[] } {
  const state = computeDataplane(resources);
  const workloads: PilotWorkload[] = [];
  for (const pod of expandPods(resources)) {
    if (pod.hostNetwork) continue;
    const info = state.endpoints.get(`${pod.namespace}/${pod.name}`);
    if (!info || info.ips.length === 0) continue;
    workloads.push(pilotWorkloadFromInfo(info, { sidecar: pod.annotations[SIDECAR_INJECT_ANNOTATION] !== 'false' }));
  }
  const services = resources
    .filter((r) => r.kind === 'Service')
    .map((r) => pilotServiceFromManifest(r.object, r.source ? `${r.source.file}:${r.source.line}:${r.source.col}` : 'Service'))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const used = new Set(services.map((s) => s.clusterIP).filter((ip): ip is string => !!ip && net.isIP(ip) !== 0));
  let next = 1;
  for (const service of services) {
    if (service.clusterIP !== undefined && service.clusterIP !== '') continue;
    let ip: string;
    do {
      if (next > 65534) throw new PilotInputError('service CIDR 10.96.0.0/16 exhausted');
      ip = `${SERVICE_CIDR_BASE[0]}.${SERVICE_CIDR_BASE[1]}.${next >> 8}.${next & 255}`;
      next++;
    } while (used.has(ip));
    used.add(ip);
    service.clusterIP = ip;
  }
  return { workloads, services };
}
