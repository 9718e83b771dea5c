import { computeDataplane } from '@alpsim/calico';
import { joinSequence } from '@alpsim/felix';
import { buildCheckRequest, parseScenarioFile, resolveScenario } from '@alpsim/scenario';
import { CALICO_SCALE_SHAPE } from './shape';
import type { GeneratedRequest, GeneratedStore, StoreStats } from './store-generator';

function benchError(message: string): Error {
  return Object.assign(new Error(message), { userError: true });
}

/**
 * A store taken from a scenario's own resources instead of the generator: Calico v3 resources →
 * DataplaneState (@alpsim/calico) → the join sequence Felix sends one workload (@alpsim/felix), and
 * as traffic the scenario's requests to that workload with the verdicts the scenario expects.
 * `workload` defaults to the destination with the most requests.
 */
export async function scenarioStore(file: string, workload?: string): Promise<GeneratedStore> {
  const [scenario, ...more] = parseScenarioFile(file);
  if (!scenario) throw benchError(`${file}: no scenario in the file`);
  if (more.length) throw benchError(`${file}: holds ${more.length + 1} scenarios; a bench store takes one`);
  const resolved = await resolveScenario(scenario);
  const counts = new Map<string, number>();
  for (const r of resolved.requests) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  const target = workload ?? [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!target) throw benchError(`${file}: the scenario has no requests to take traffic from`);
  const destination = resolved.workloads.get(target);
  if (!destination) throw benchError(`${file}: no workload ${target} (workloads: ${[...resolved.workloads.keys()].join(', ')})`);
  const requests: GeneratedRequest[] = resolved.requests
    .filter((r) => r.to === target)
    .map((r, i) => ({
      kind: 'traverse' as const,
      expectedCode: r.expect === 'allow' ? 0 : 7,
      request: buildCheckRequest({
        source: { ip: r.sourceIp, port: 40000 + i, principal: r.sourcePrincipal },
        destination: { ip: destination.ip, port: r.port, principal: destination.spiffeId },
        method: r.method,
        path: r.path,
        host: `${destination.name}.${destination.namespace}:${r.port}`,
        headers: r.headers,
        requestId: `bench-${i}`,
      }),
    }));
  if (requests.length === 0) throw benchError(`${file}: no scenario request goes to ${target}`);
  const state = computeDataplane(resolved.resources, { compat: scenario.compat });
  const messages = joinSequence(state, target);
  const stats: StoreStats = {
    policies: 0, rules: 0, actions: {}, ruleKinds: {}, ipSets: 0, ipSetMembers: 0, rulesReferencingSets: 0,
    serviceAccounts: 0, namespaces: 0, messages: messages.length,
  };
  for (const m of messages) {
    if (m.activePolicyUpdate) {
      stats.policies++;
      for (const rule of m.activePolicyUpdate.policy?.inboundRules ?? []) {
        stats.rules++;
        const action = rule.action ?? '';
        stats.actions[action] = (stats.actions[action] ?? 0) + 1;
        if (rule.srcIpSetIds?.length || rule.dstIpSetIds?.length) stats.rulesReferencingSets++;
      }
    }
    if (m.ipsetUpdate) {
      stats.ipSets++;
      stats.ipSetMembers += m.ipsetUpdate.members?.length ?? 0;
    }
    if (m.serviceAccountUpdate) stats.serviceAccounts++;
    if (m.namespaceUpdate) stats.namespaces++;
  }
  return {
    seed: 0,
    // The generator's shape does not describe a scenario store; kept for the result's shape field.
    shape: { ...CALICO_SCALE_SHAPE, policies: stats.policies, rulesPerPolicy: 0, ipSets: stats.ipSets },
    workloadKey: target,
    endpointIp: destination.ip,
    messages,
    requests,
    stats,
  };
}
