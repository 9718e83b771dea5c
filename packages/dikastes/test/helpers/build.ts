// Builders for policy-sync messages and Check requests used across the tests.
import type { CheckRequest, Peer, Rule, ToDataplane } from '@alpsim/proto';

export const principal = (ns: string, sa: string, domain = 'cluster.local') => `spiffe://${domain}/ns/${ns}/sa/${sa}`;

export const inSync: ToDataplane = { inSync: {} };

export function policy(name: string, inboundRules: Rule[], opts: { tier?: string; namespace?: string; outboundRules?: Rule[] } = {}): ToDataplane {
  return {
    activePolicyUpdate: {
      id: { tier: opts.tier ?? 'default', name },
      policy: { inboundRules, outboundRules: opts.outboundRules ?? [], namespace: opts.namespace ?? '' },
    },
  };
}

export function profile(name: string, inboundRules: Rule[]): ToDataplane {
  return { activeProfileUpdate: { id: { name }, profile: { inboundRules } } };
}

export interface TierSpec {
  name?: string;
  ingress: string[];
  egress?: string[];
  defaultAction?: string;
}

export function endpoint(opts: { tiers?: TierSpec[]; profiles?: string[]; workload?: string } = {}): ToDataplane {
  return {
    workloadEndpointUpdate: {
      id: { orchestratorId: 'k8s', workloadId: opts.workload ?? 'default/server', endpointId: 'eth0' },
      endpoint: {
        state: 'active',
        name: 'eth0',
        profileIds: opts.profiles ?? [],
        ipv4Nets: ['10.0.0.2/32'],
        tiers: (opts.tiers ?? []).map((t) => ({
          name: t.name ?? 'default',
          ingressPolicies: t.ingress,
          egressPolicies: t.egress ?? [],
          defaultAction: t.defaultAction ?? '',
        })),
      },
    },
  };
}

export function ipset(id: string, type: 'IP' | 'IP_AND_PORT' | 'NET', members: string[]): ToDataplane {
  return { ipsetUpdate: { id, type, members } };
}

export function serviceAccount(namespace: string, name: string, labels: Record<string, string>): ToDataplane {
  return { serviceAccountUpdate: { id: { namespace, name }, labels } };
}

export function namespace(name: string, labels: Record<string, string>): ToDataplane {
  return { namespaceUpdate: { id: { name }, labels } };
}

export interface PeerSpec {
  principal?: string;
  address?: string | null; // null: no socket address
  port?: number;
  protocol?: 'TCP' | 'UDP';
  labels?: Record<string, string>;
}

function peer(spec: PeerSpec, defaults: Required<Pick<PeerSpec, 'principal' | 'address' | 'port'>>): Peer {
  const p: Peer = { principal: spec.principal ?? defaults.principal };
  const address = spec.address === undefined ? defaults.address : spec.address;
  if (address !== null) {
    p.address = { socketAddress: { address, portValue: spec.port ?? defaults.port, protocol: spec.protocol === 'UDP' ? 1 : 0 } };
  }
  if (spec.labels) p.labels = spec.labels;
  return p;
}

export interface RequestSpec {
  source?: PeerSpec | null;
  destination?: PeerSpec | null;
  method?: string;
  path?: string;
  /** false: no request.http at all (a TCP-level check). */
  http?: boolean;
}

export const CLIENT = principal('default', 'client');
export const SERVER = principal('default', 'server');

/** A CheckRequest; by default default/client at 10.0.0.1:40000 -> default/server at 10.0.0.2:8080, GET /. */
export function request(spec: RequestSpec = {}): CheckRequest {
  const attributes: NonNullable<CheckRequest['attributes']> = {};
  if (spec.source !== null) attributes.source = peer(spec.source ?? {}, { principal: CLIENT, address: '10.0.0.1', port: 40000 });
  if (spec.destination !== null) {
    attributes.destination = peer(spec.destination ?? {}, { principal: SERVER, address: '10.0.0.2', port: 8080 });
  }
  if (spec.http !== false) attributes.request = { http: { method: spec.method ?? 'GET', path: spec.path ?? '/' } };
  return { attributes };
}
