// `alpsim kind export`: a resolved scenario as Kubernetes manifests for the cluster scripts/kind/up
// builds — namespaces labelled for injection, service accounts, the scenario's policies as written,
// one echo Pod + Service per workload (its labels, service account, ports and, when the pool allows,
// its scenario IP), and Jobs that send the requests from pods carrying the source's identity.
import type { LoadedResource } from '@alpsim/calico';
import type { PortSpec, ResolvedRequest, ResolvedScenario, ResolvedWorkload } from '@alpsim/scenario';
import { clientScript, type ProbeCall } from './client-script';
import { dns1035Name, dns1123Name, ipInPool, uniqueName } from './names';
import type { KindVersions } from './versions';

export interface ExportOptions {
  versions: KindVersions;
  /** Image of the injected dikastes container for these pods (annotation read by the injection template). */
  dikastesImage?: string;
  /** Our dikastes (ALPSIM_IMAGE) with the scenario's --compat level. */
  useAlpsimImages?: boolean;
  /** Seconds each client waits before its first request (policy propagation to Felix and Dikastes). */
  settleSeconds?: number;
  /** curl --max-time per request. */
  requestTimeoutSeconds?: number;
}

export interface ManifestFile {
  /** File name inside the output directory. */
  name: string;
  objects: Array<Record<string, any>>;
}

export interface ProbeJob {
  namespace: string;
  name: string;
  /** Scenario source: `ns/name` of a workload, or a bare IP. */
  source: string;
  requestIds: string[];
}

/** What `alpsim kind run` does, in order, after the base files are applied and the pods are Ready. */
export type PlanAction =
  | { kind: 'jobs'; file: string; jobs: ProbeJob[]; step?: number }
  | { kind: 'apply'; file: string; step: number }
  | { kind: 'delete'; file: string; step: number }
  | { kind: 'skip'; step: number; note: string };

export interface KindExport {
  scenario: string;
  /** Applied before anything runs: namespaces, service accounts, policies, workloads. */
  baseFiles: ManifestFile[];
  /** Job and step files, referenced by `plan`. */
  stepFiles: ManifestFile[];
  plan: PlanAction[];
  /** Pods `run` waits for (Ready) before the first Jobs. */
  pods: Array<{ namespace: string; name: string }>;
  warnings: string[];
}

export const SCENARIO_ANNOTATION = 'alpsim.io/scenario';
export const WORKLOAD_LABEL = 'alpsim.io/workload';
export const DIKASTES_IMAGE_ANNOTATION = 'alpsim.io/dikastes-image';
export const DIKASTES_COMPAT_ANNOTATION = 'alpsim.io/dikastes-compat';
export const CALICO_IP_ANNOTATION = 'cni.projectcalico.org/ipAddrs';
const SIDECAR_ANNOTATION = 'sidecar.istio.io/inject';
/**
 * Client (Job) pods get Istio's sidecar only: dikastes judges inbound traffic, which a client never
 * receives, and as a regular container it would keep the Job from ever completing.
 */
export const INJECT_TEMPLATES_ANNOTATION = 'inject.istio.io/templates';
/** Namespace of the pods that stand for bare-IP sources (`from: {ip: ...}`): no sidecar, no identity. */
export const IP_SOURCES_NAMESPACE = 'alpsim-ip-sources';
const ECHO_MARKER = 'alpsim-echo';
/**
 * A new client pod's IP must reach the IP sets of every Dikastes (Felix → policy sync) before its
 * first request, and a step's policy change likewise: 10 s is generous for one node.
 */
export const DEFAULT_SETTLE_SECONDS = 10;

const POLICY_ORDER = ['Tier', 'GlobalNetworkSet', 'NetworkSet', 'GlobalNetworkPolicy', 'NetworkPolicy', 'K8sNetworkPolicy'];
const SYSTEM_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

function cleanObject(r: LoadedResource): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(r.object)) as Record<string, any>;
  for (const key of SYSTEM_METADATA) delete copy.metadata?.[key];
  delete copy.status;
  return copy;
}

const CALICO_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'NetworkSet', 'GlobalNetworkSet', 'Tier', 'Profile']);

/** What `kubectl delete -f` needs to find a resource a delete step names (steps never delete workloads). */
function referenceObject(r: { kind: string; namespace: string; name: string }): Record<string, any> {
  const [apiVersion, kind] =
    r.kind === 'K8sNetworkPolicy' ? ['networking.k8s.io/v1', 'NetworkPolicy'] : [CALICO_KINDS.has(r.kind) ? 'projectcalico.org/v3' : 'v1', r.kind];
  return { apiVersion, kind, metadata: r.namespace ? { name: r.name, namespace: r.namespace } : { name: r.name } };
}

/** Names of the base files, in the order they are applied. */
export const BASE_FILES = {
  namespaces: '00-namespaces.yaml',
  serviceAccounts: '10-serviceaccounts.yaml',
  policies: '20-policies.yaml',
  workloads: '30-workloads.yaml',
} as const;

/** `60-step-007-apply.yaml`: sorts after the base files and in step order. */
function stepFileName(step: number, what: 'apply' | 'delete' | 'requests'): string {
  return `60-step-${String(step).padStart(3, '0')}-${what}.yaml`;
}

class Exporter {
  readonly warnings: string[] = [];
  private readonly scenarioName: string;
  private readonly serviceNames = new Map<string, string>();
  private readonly jobNames = new Set<string>();

  constructor(
    private readonly resolved: ResolvedScenario,
    private readonly opts: ExportOptions,
  ) {
    this.scenarioName = resolved.scenario.name;
  }

  private get dikastesImage(): string | undefined {
    if (this.opts.dikastesImage) return this.opts.dikastesImage;
    return this.opts.useAlpsimImages ? this.opts.versions.ALPSIM_IMAGE : undefined;
  }

  /** Pod annotations selecting the injected dikastes (none = the cluster's default template image). */
  private dikastesAnnotations(): Record<string, string> {
    const out: Record<string, string> = {};
    const image = this.dikastesImage;
    if (image) out[DIKASTES_IMAGE_ANNOTATION] = image;
    if (this.opts.useAlpsimImages) out[DIKASTES_COMPAT_ANNOTATION] = this.resolved.scenario.compat;
    return out;
  }

  private workloads(): ResolvedWorkload[] {
    return [...this.resolved.workloads.values()].sort((a, b) => a.index - b.index);
  }

  private resourcesOfKind(kind: string): LoadedResource[] {
    return this.resolved.resources.filter((r) => r.kind === kind);
  }

  namespaces(): ManifestFile {
    const labels = new Map<string, Record<string, string>>();
    for (const w of this.workloads()) labels.set(w.namespace, labels.get(w.namespace) ?? {});
    for (const r of this.resourcesOfKind('Namespace')) {
      labels.set(r.name, { ...(labels.get(r.name) ?? {}), ...((r.object.metadata?.labels as Record<string, string>) ?? {}) });
    }
    for (const r of this.resolved.resources) if (r.namespace && !labels.has(r.namespace)) labels.set(r.namespace, {});
    const objects = [...labels.keys()].sort().map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { ...labels.get(name), 'istio-injection': 'enabled' }, annotations: { [SCENARIO_ANNOTATION]: this.scenarioName } },
    }));
    if (this.ipSources().length) {
      objects.push({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: IP_SOURCES_NAMESPACE, labels: { 'istio-injection': 'disabled' }, annotations: { [SCENARIO_ANNOTATION]: this.scenarioName } },
      });
    }
    return { name: BASE_FILES.namespaces, objects };
  }

  serviceAccounts(): ManifestFile {
    const accounts = new Map<string, Record<string, any>>();
    for (const w of this.workloads()) {
      const key = `${w.namespace}/${w.serviceAccount}`;
      if (w.serviceAccount === 'default' || accounts.has(key)) continue;
      accounts.set(key, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: w.serviceAccount, namespace: w.namespace } });
    }
    for (const r of this.resourcesOfKind('ServiceAccount')) accounts.set(`${r.namespace}/${r.name}`, cleanObject(r));
    const objects = [...accounts.keys()].sort().map((k) => accounts.get(k)!);
    return { name: BASE_FILES.serviceAccounts, objects };
  }

  policies(): ManifestFile {
    const objects: Array<Record<string, any>> = [];
    for (const kind of POLICY_ORDER) for (const r of this.resourcesOfKind(kind)) objects.push(cleanObject(r));
    for (const r of this.resourcesOfKind('Profile')) {
      this.warnings.push(`Profile ${r.name} is not exported: on Kubernetes, Calico derives profiles from namespaces and service accounts (label those instead)`);
    }
    return { name: BASE_FILES.policies, objects };
  }

  private pinnedIp(ip: string, what: string): string | undefined {
    if (ipInPool(ip, this.opts.versions.POD_SUBNET)) return ip;
    this.warnings.push(`${what}: IP ${ip} is outside the cluster's pod pool ${this.opts.versions.POD_SUBNET}; Calico IPAM picks its address instead, so rules matching ${ip} by CIDR will not see it`);
    return undefined;
  }

  serviceName(w: ResolvedWorkload): string {
    return this.serviceNames.get(w.key)!;
  }

  /**
   * Service port names carry the protocol Istio uses for the port (its port-name convention), chosen
   * from the listener alpsim's Pilot model gives the port, so both sides check the same way: HTTP
   * (Check with method/path) or TCP (Check with peers only). mongo/redis keep their names.
   */
  private servicePortName(w: ResolvedWorkload, p: PortSpec): string {
    const kind = this.resolved.listeners.get(w.key)?.get(p.port);
    const name = p.name ?? '';
    if (kind === 'http') return /^(http|http2|grpc)(-|$)/.test(name) ? name : `http-${p.port}`;
    if (kind === 'tcp') return /^tcp(-|$)/.test(name) ? name : `tcp-${p.port}`;
    if (kind === 'unchecked' && name) return name;
    return name || `${p.protocol.toLowerCase()}-${p.port}`;
  }

  workloadObjects(): ManifestFile {
    const objects: Array<Record<string, any>> = [];
    const taken = new Map<string, Set<string>>();
    for (const r of this.resourcesOfKind('Service')) {
      this.warnings.push(
        `Service ${r.namespace}/${r.name} is not exported: each workload gets its own Service (port names from alpsim's listener kinds), and a label selector would also pick the request Jobs' pods`,
      );
    }
    for (const w of this.workloads()) {
      const ip = this.pinnedIp(w.ip, `workload ${w.key}`);
      const annotations: Record<string, string> = { [SCENARIO_ANNOTATION]: this.scenarioName, 'alpsim.io/ip': w.ip };
      if (ip) annotations[CALICO_IP_ANNOTATION] = JSON.stringify([ip]);
      if (w.sidecar) Object.assign(annotations, this.dikastesAnnotations());
      else annotations[SIDECAR_ANNOTATION] = 'false';
      const tcpPorts = w.ports.filter((p) => p.protocol === 'TCP');
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: w.name, namespace: w.namespace, labels: { ...w.labels, [WORKLOAD_LABEL]: w.name }, annotations },
        spec: {
          serviceAccountName: w.serviceAccount,
          containers: [
            {
              name: 'echo',
              image: this.opts.versions.ECHO_IMAGE,
              args: ['porter'],
              env: tcpPorts.map((p) => ({ name: `SERVE_PORT_${p.port}`, value: `${ECHO_MARKER} ${w.key}:${p.port}` })),
              ports: w.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol })),
            },
          ],
        },
      });
      const inNamespace = taken.get(w.namespace) ?? new Set<string>();
      taken.set(w.namespace, inNamespace);
      const name = uniqueName(dns1035Name(w.name, 'w'), inNamespace);
      inNamespace.add(name);
      this.serviceNames.set(w.key, name);
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: w.namespace, annotations: { [SCENARIO_ANNOTATION]: this.scenarioName } },
        spec: {
          selector: { [WORKLOAD_LABEL]: w.name },
          ports: w.ports.map((p) => ({ name: this.servicePortName(w, p), port: p.port, targetPort: p.port, protocol: p.protocol })),
        },
      });
    }
    return { name: BASE_FILES.workloads, objects };
  }

  private ipSources(): string[] {
    const ips = new Set<string>();
    const all = [...this.resolved.requests, ...this.resolved.steps.flatMap((s) => (s.kind === 'request' ? [s.request] : []))];
    for (const r of all) if (r.from.kind === 'ip') ips.add(r.from.ip);
    return [...ips].sort();
  }

  private call(r: ResolvedRequest): ProbeCall {
    const target = this.resolved.workloads.get(r.to)!;
    const url = `http://${this.serviceName(target)}.${target.namespace}.svc.cluster.local:${r.port}${r.path}`;
    return { id: r.id, url, method: r.method, headers: r.headers };
  }

  /** One Job per distinct source among `requests`, each in the source's namespace with its identity. */
  jobs(requests: ResolvedRequest[], phase: string, step: number | undefined): { file: ManifestFile; jobs: ProbeJob[] } {
    const bySource = new Map<string, ResolvedRequest[]>();
    for (const r of requests) {
      const source = r.from.kind === 'workload' ? r.from.key : r.from.ip;
      bySource.set(source, [...(bySource.get(source) ?? []), r]);
    }
    const objects: Array<Record<string, any>> = [];
    const jobs: ProbeJob[] = [];
    const settle = this.opts.settleSeconds ?? DEFAULT_SETTLE_SECONDS;
    const timeout = this.opts.requestTimeoutSeconds ?? 15;
    for (const [source, reqs] of bySource) {
      const first = reqs[0];
      const workload = first.from.kind === 'workload' ? this.resolved.workloads.get(first.from.key)! : undefined;
      const namespace = workload ? workload.namespace : IP_SOURCES_NAMESPACE;
      const base = workload ? workload.name : `ip-${source.replace(/[.:]/g, '-')}`;
      const name = uniqueName(dns1123Name(`alpsim-${phase}-${base}`, 'alpsim'), this.jobNames);
      this.jobNames.add(name);
      const annotations: Record<string, string> = { [SCENARIO_ANNOTATION]: this.scenarioName, 'alpsim.io/source': source };
      let labels: Record<string, string> = {};
      let serviceAccountName: string | undefined;
      if (workload) {
        labels = { ...workload.labels };
        serviceAccountName = workload.serviceAccount;
        if (workload.sidecar) annotations[INJECT_TEMPLATES_ANNOTATION] = 'sidecar';
        else annotations[SIDECAR_ANNOTATION] = 'false';
      } else {
        annotations[SIDECAR_ANNOTATION] = 'false';
        const ip = this.pinnedIp(source, `source {ip: ${source}}`);
        const clash = this.workloads().find((w) => w.ip === source);
        if (ip && clash) {
          this.warnings.push(`source {ip: ${source}}: the address belongs to workload ${clash.key}, so the client pod gets another address`);
        } else if (ip) {
          annotations[CALICO_IP_ANNOTATION] = JSON.stringify([ip]);
        }
      }
      const script = clientScript(reqs.map((r) => this.call(r)), { settleSeconds: settle, timeoutSeconds: timeout, marker: ECHO_MARKER });
      objects.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace, annotations: { [SCENARIO_ANNOTATION]: this.scenarioName, 'alpsim.io/source': source } },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 120 + settle + reqs.length * (timeout + 1),
          template: {
            metadata: { labels, annotations },
            spec: {
              ...(serviceAccountName ? { serviceAccountName } : {}),
              restartPolicy: 'Never',
              containers: [{ name: 'client', image: this.opts.versions.CLIENT_IMAGE, command: ['/bin/sh', '-c', script] }],
            },
          },
        },
      });
      jobs.push({ namespace, name, source, requestIds: reqs.map((r) => r.id) });
    }
    const fileName = step === undefined ? '40-requests.yaml' : stepFileName(step, 'requests');
    return { file: { name: fileName, objects }, jobs };
  }

  build(): KindExport {
    const policies = this.policies();
    const workloads = this.workloadObjects();
    const baseFiles = [this.namespaces(), this.serviceAccounts(), policies, workloads];
    const stepFiles: ManifestFile[] = [];
    const plan: PlanAction[] = [];
    if (this.resolved.requests.length) {
      const { file, jobs } = this.jobs(this.resolved.requests, 'r', undefined);
      stepFiles.push(file);
      plan.push({ kind: 'jobs', file: file.name, jobs });
    }
    // Steps in order; consecutive request steps share one round of Jobs.
    const steps = this.resolved.steps;
    // After a fault kind cannot reproduce, the cluster no longer matches the scenario's state, so the
    // requests that follow are reported as not run instead of being judged against the wrong state.
    let skippedFault: string | undefined;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === 'request' && skippedFault) {
        plan.push({ kind: 'skip', step: step.index, note: `step ${step.index + 1}: request "${step.request.name}" not run (it follows ${skippedFault})` });
      } else if (step.kind === 'request') {
        const batch = [step.request];
        while (i + 1 < steps.length && steps[i + 1].kind === 'request') batch.push((steps[++i] as typeof step).request);
        const { file, jobs } = this.jobs(batch, `s${step.index}`, step.index);
        stepFiles.push(file);
        plan.push({ kind: 'jobs', file: file.name, jobs, step: step.index });
      } else if (step.kind === 'apply') {
        const file = { name: stepFileName(step.index, 'apply'), objects: step.resources.map(cleanObject) };
        stepFiles.push(file);
        plan.push({ kind: 'apply', file: file.name, step: step.index });
      } else if (step.kind === 'delete') {
        const file = { name: stepFileName(step.index, 'delete'), objects: step.refs.map(referenceObject) };
        stepFiles.push(file);
        plan.push({ kind: 'delete', file: file.name, step: step.index });
      } else {
        const note = `step ${step.index + 1}: fault ${step.fault.fault} is not reproduced on kind (alpsim run only)`;
        skippedFault ??= `the fault of step ${step.index + 1}`;
        this.warnings.push(note);
        plan.push({ kind: 'skip', step: step.index, note });
      }
    }
    const pods = this.workloads().map((w) => ({ namespace: w.namespace, name: w.name }));
    return { scenario: this.scenarioName, baseFiles, stepFiles, plan, pods, warnings: [...new Set(this.warnings)] };
  }
}

export function exportScenario(resolved: ResolvedScenario, opts: ExportOptions): KindExport {
  return new Exporter(resolved, opts).build();
}
