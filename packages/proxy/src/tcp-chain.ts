// Network filter chain for TCP listeners: optional ext_authz read filter, then tcp_proxy.
// As in Envoy, tcp_proxy opens the upstream connection when the downstream one is accepted; the
// ext_authz filter checks on the first downstream data and holds that data until the answer; on deny
// (or error without failure_mode_allow) the downstream connection is closed without flushing.
import * as net from 'node:net';
import type { AuthzClient } from './authz-client';
import { tcpCheckRequest, type ConnectionInfo } from './check-request';
import type { ClusterEndpoint } from './clusters';
import type { TcpListenerSpec } from './lds';
import type { AuthzVerdict, Counters, LogSink } from './observability';

export interface TcpChainOptions {
  spec: TcpListenerSpec;
  authz?: { client: AuthzClient; timeoutMs: number; failureModeAllow: boolean; statPrefix: string };
  resolveCluster: (name: string) => ClusterEndpoint | undefined;
  counters: Counters;
  log: LogSink;
}

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [net4, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const toInt = (a: string) => a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  if (!net.isIPv4(ip) || !net.isIPv4(net4)) return ip === net4;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(net4) & mask);
}

export class TcpFilterChain {
  private readonly upstreams = new Set<net.Socket>();

  constructor(private readonly opts: TcpChainOptions) {}

  private routeCluster(destinationIp: string): string | undefined {
    const proxy = this.opts.spec.networkFilters.find((f) => f.role === 'tcp_proxy');
    if (!proxy || proxy.role !== 'tcp_proxy') return undefined;
    const route = proxy.routes.find((r) => !r.destinationIpList || r.destinationIpList.length === 0
      || r.destinationIpList.some((cidr) => ipv4InCidr(destinationIp, cidr)));
    return route?.cluster;
  }

  handleConnection(downstream: net.Socket, conn: ConnectionInfo): void {
    const { spec, counters, log, authz } = this.opts;
    const startedAt = Date.now();
    const cluster = this.routeCluster(conn.destination.ip);
    const endpoint = cluster ? this.opts.resolveCluster(cluster) : undefined;
    let verdict: AuthzVerdict = 'unchecked';
    let flags = '-';
    counters.inc('downstream_cx_total', spec.name);
    downstream.once('close', () => {
      log.access({
        listener: spec.name, protocol: 'TCP', responseFlags: flags, verdict,
        sourceAddress: `${conn.source.ip}:${conn.source.port}`, sourcePrincipal: conn.sourcePrincipal,
        upstreamCluster: cluster, durationMs: Date.now() - startedAt,
      });
    });
    if (!endpoint) {
      log.event('upstream', `no tcp_proxy route/cluster for destination ${conn.destination.ip} (cluster ${cluster ?? '-'})`, spec.name);
      flags = 'UH';
      downstream.destroy();
      return;
    }
    const upstream = endpoint.kind === 'pipe' ? net.connect(endpoint.path) : net.connect(endpoint.port, endpoint.host);
    if (endpoint.kind === 'tcp') upstream.setNoDelay(true);
    this.upstreams.add(upstream);
    upstream.once('close', () => { this.upstreams.delete(upstream); downstream.destroy(); });
    upstream.on('error', (err) => {
      flags = 'UF';
      log.event('upstream', `tcp_proxy to ${cluster} failed: ${err.message}`, spec.name);
    });
    downstream.on('error', () => { /* peer reset: the close handler tears down the upstream side */ });
    downstream.once('close', () => upstream.destroy());
    // Upstream → downstream is never gated (server-first protocols work as in Envoy).
    upstream.pipe(downstream);

    if (!authz) { downstream.pipe(upstream); return; }

    // Envoy's network stat is ext_authz.<stat_prefix>.<name>; the ext_authz.<name> aggregate matches the HTTP filter's.
    const stat = (name: string) => {
      counters.inc(`ext_authz.${authz.statPrefix}.${name}`, spec.name);
      counters.inc(`ext_authz.${name}`, spec.name);
    };
    const held: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      held.push(chunk);
      if (held.length > 1) return;
      downstream.pause();
      stat('total');
      // `active` is a gauge of checks in flight; a connection closed while its check is pending cancels the call.
      counters.inc(`ext_authz.${authz.statPrefix}.active`, spec.name);
      let pending = true;
      const settle = () => {
        if (!pending) return false;
        pending = false;
        counters.inc(`ext_authz.${authz.statPrefix}.active`, spec.name, -1);
        return true;
      };
      const check = authz.client.check(tcpCheckRequest(conn), authz.timeoutMs);
      downstream.once('close', () => { if (settle()) check.cancel(); });
      void check.promise.then((outcome) => {
        if (!settle() || downstream.destroyed) return;
        let allow = outcome.kind === 'ok';
        if (outcome.kind === 'ok') { stat('ok'); verdict = 'ok'; }
        if (outcome.kind === 'denied') { stat('denied'); verdict = 'denied'; }
        if (outcome.kind === 'error') {
          stat('error');
          log.event('authz', `Check on ${authz.client.clusterName} failed: ${outcome.detail}` +
            (authz.failureModeAllow ? ' (failure_mode_allow: connection continues)' : ' (connection closed)'), spec.name);
          if (authz.failureModeAllow) { stat('failure_mode_allowed'); verdict = 'failure_mode_allowed'; allow = true; }
          else verdict = 'error';
        }
        if (!allow) {
          stat('cx_closed');
          flags = 'UAEX';
          // close(NoFlush): drop held data, no graceful shutdown of the downstream side
          downstream.destroy();
          upstream.destroy();
          return;
        }
        downstream.off('data', onData);
        for (const chunk of held) upstream.write(chunk);
        held.length = 0;
        downstream.pipe(upstream);
        downstream.resume();
      });
    };
    downstream.on('data', onData);
  }

  close(): void {
    for (const socket of this.upstreams) socket.destroy();
  }
}
