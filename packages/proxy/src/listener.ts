// One bound listener: TLS termination with a required, verified client certificate (when the LDS
// listener has an ssl_context), mapping of the loopback socket to scenario addresses, then hand-off to
// the listener's network filter chain (HTTP connection manager or TCP chain).
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ConnectionInfo } from './check-request';
import { judgeClientCertificate, type ClientCertPolicy } from './identity';
import type { ListenerSpec, ScenarioAddress } from './lds';
import type { Counters, LogSink } from './observability';

export interface SidecarCerts { certChainPem: string; keyPem: string; rootCertPem: string }

export interface NetworkChain {
  handleConnection(socket: net.Socket, conn: ConnectionInfo): void;
  /** the listener stopped accepting: let open connections finish (HTTP: close them after their current request) */
  drain?(): void;
  close(): void;
}

export interface ListenerOptions {
  spec: ListenerSpec;
  bindHost: string;
  bindPort: number;
  certs?: SidecarCerts;
  /** principal of this sidecar's own certificate (destination.principal) */
  localPrincipal: string;
  clientCertPolicy: ClientCertPolicy;
  /** modern Envoy (2019-08+): principal falls back to the first DNS SAN before the subject */
  dnsSanPrincipal?: boolean;
  /** loopback address of a connecting peer → its scenario IP */
  peerIp: (remoteAddress: string) => string;
  chain: NetworkChain;
  counters: Counters;
  log: LogSink;
}

/** Friendly text for errors raised before/while the TLS handshake runs. */
function describeTlsClientError(err: Error & { code?: string }): string {
  const code = err.code ?? '';
  if (code === 'ERR_SSL_HTTP_REQUEST' || /http request/i.test(err.message)) return 'plaintext HTTP sent to an mTLS listener (TLS required)';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|unknown protocol|packet length too long/i.test(err.message)) return 'non-TLS data sent to an mTLS listener (TLS required)';
  if (code === 'ECONNRESET') return 'client reset the connection during the TLS handshake';
  if (/certificate/i.test(err.message)) return `TLS handshake failed: ${err.message}`;
  return `TLS handshake failed: ${err.message}${code ? ` (${code})` : ''}`;
}

/** The peer's certificate chain as PEM (leaf first), without a self-signed root it may have sent. */
function peerChainPem(socket: tls.TLSSocket): string {
  const pems: string[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const selfIssued = cert.issuerCertificate === cert || cert.issuerCertificate?.fingerprint256 === cert.fingerprint256;
    if (pems.length > 0 && selfIssued) break;
    pems.push(`-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`);
    cert = cert.issuerCertificate;
  }
  return pems.join('');
}

export class BoundListener {
  private server!: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private started = false;
  /** settles once the server is closed and its last connection has ended */
  private serverClosed!: Promise<void>;
  address!: { host: string; port: number };

  constructor(private readonly opts: ListenerOptions) {}

  get name(): string { return this.opts.spec.name; }
  get scenarioAddress(): ScenarioAddress { return this.opts.spec.address; }
  get tls(): boolean { return this.opts.spec.ssl !== undefined; }

  async start(): Promise<void> {
    const { spec, certs } = this.opts;
    if (spec.ssl) {
      if (!certs) throw Object.assign(new Error(`listener ${spec.name} has an ssl_context but no certs were given (options.certs)`), { userError: true });
      try {
        this.server = tls.createServer({
          cert: certs.certChainPem,
          key: certs.keyPem,
          ca: certs.rootCertPem,
          requestCert: true,
          // Verified below so that each rejection is logged with its precise reason.
          rejectUnauthorized: false,
          ALPNProtocols: spec.kind === 'http' ? (spec.ssl.alpnProtocols ?? ['h2', 'http/1.1']) : spec.ssl.alpnProtocols,
        });
      } catch (err) {
        throw Object.assign(new Error(`listener ${spec.name}: cannot use options.certs (${(err as Error).message})`), { userError: true });
      }
      this.server.on('secureConnection', (socket: tls.TLSSocket) => {
        try {
          this.onSecureConnection(socket);
        } catch (err) {
          // A certificate we cannot even read must cost one connection, never the process.
          this.opts.counters.inc('ssl.fail_verify_error', spec.name);
          this.opts.log.event('tls', `rejected client ${this.describePeer(socket)}: unreadable certificate (${(err as Error).message})`, spec.name);
          socket.destroy();
        }
      });
      this.server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
        this.opts.counters.inc('ssl.connection_error', spec.name);
        this.opts.log.event('tls', `rejected connection from ${this.describePeer(socket)}: ${describeTlsClientError(err)}`, spec.name);
      });
    } else {
      this.server = net.createServer((socket) => this.dispatch(socket, '', false));
    }
    this.server.on('connection', (socket: net.Socket) => {
      this.opts.counters.inc('downstream_cx_total', spec.name);
      socket.setNoDelay(true); // Envoy sets TCP_NODELAY; without it small TLS records wait on delayed ACKs
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => { /* resets are reported by the chain/TLS handlers */ });
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException) => reject(Object.assign(
        new Error(`listener ${spec.name}: cannot listen on ${this.opts.bindHost}:${this.opts.bindPort} (${err.code ?? err.message})`), { userError: true }));
      this.server.once('error', fail);
      this.server.listen(this.opts.bindPort, this.opts.bindHost, () => { this.server.off('error', fail); resolve(); });
    });
    this.started = true;
    this.serverClosed = new Promise<void>((resolve) => this.server.once('close', () => resolve()));
    const addr = this.server.address() as net.AddressInfo;
    this.address = { host: addr.address, port: addr.port };
  }

  private describePeer(socket: net.Socket | undefined): string {
    const remote = socket?.remoteAddress;
    if (!remote) return 'unknown peer';
    const scenario = this.opts.peerIp(remote);
    return `${remote}:${socket?.remotePort}${scenario !== remote ? ` (scenario ${scenario})` : ''}`;
  }

  private onSecureConnection(socket: tls.TLSSocket): void {
    const { spec, counters, log, clientCertPolicy } = this.opts;
    const verdict = judgeClientCertificate(
      socket.getPeerX509Certificate(), socket.authorized, socket.authorizationError as unknown as string | undefined,
      clientCertPolicy, peerChainPem(socket), this.opts.certs!.rootCertPem, this.opts.dnsSanPrincipal === true);
    if (!verdict.ok && spec.ssl?.requireClientCertificate !== false) {
      counters.inc(verdict.stat ?? 'ssl.fail_verify_error', spec.name);
      log.event('tls', `rejected client ${this.describePeer(socket)}: ${verdict.reason}`, spec.name);
      socket.destroy();
      return;
    }
    if (verdict.warning) {
      log.event('tls', `accepted client ${this.describePeer(socket)} (chain verified; Envoy checks no SAN): ${verdict.warning}; principal ${JSON.stringify(verdict.principal)}`, spec.name);
    }
    counters.inc('ssl.handshake', spec.name);
    this.dispatch(socket, verdict.principal, true);
  }

  private dispatch(socket: net.Socket, sourcePrincipal: string, isTls: boolean): void {
    const remote = socket.remoteAddress ?? '';
    const conn: ConnectionInfo = {
      listener: this.opts.spec.name,
      source: { ip: this.opts.peerIp(remote), port: socket.remotePort ?? 0 },
      destination: { ip: this.opts.spec.address.ip, port: this.opts.spec.address.port },
      sourcePrincipal,
      destinationPrincipal: isTls ? this.opts.localPrincipal : '',
      tls: isTls,
    };
    this.opts.chain.handleConnection(socket, conn);
  }

  /** Stop accepting (the port is free at once); resolves when the open connections have finished. */
  stopAccepting(): Promise<void> {
    if (this.server.listening) this.server.close();
    this.opts.chain.drain?.();
    return this.serverClosed;
  }

  async close(): Promise<void> {
    this.opts.chain.close();
    if (!this.started) return;
    if (this.server.listening) this.server.close();
    for (const socket of this.sockets) socket.destroy();
    await this.serverClosed;
  }
}
