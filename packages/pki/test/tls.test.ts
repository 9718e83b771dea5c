import * as crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import t from 'tap';
import { type KeyType, type WorkloadSvid, createCertificateAuthority, verifySvid } from '../src/index';

/** A real mTLS server as Envoy's inbound v1 listener had it: client cert required, verified against root-cert.pem. */
async function startServer(t: Tap, server: WorkloadSvid, rejectUnauthorized = true): Promise<{ port: number; clientErrors: string[] }> {
  const clientErrors: string[] = [];
  const srv = tls.createServer({ cert: server.certChainPem, key: server.keyPem, ca: server.rootCertPem, requestCert: true, rejectUnauthorized }, (socket) => {
    // With rejectUnauthorized=false the server reports OpenSSL's verdict instead of refusing.
    if (!socket.authorized) return socket.end(`unauthorized ${String(socket.authorizationError)}`);
    const peer = socket.getPeerX509Certificate();
    socket.end(`hello ${peer?.subjectAltName ?? 'nobody'}`);
  });
  srv.on('tlsClientError', (error) => clientErrors.push(error.message));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { port: (srv.address() as AddressInfo).port, clientErrors };
}

type Tap = { teardown(fn: () => unknown): void };

/** Connects presenting `client`, checking the server's SPIFFE ID as Envoy's outbound verify_subject_alt_name did. */
function connect(port: number, client: WorkloadSvid, rootPem: string, expectServerId: string): Promise<{ text: string; serverId: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      cert: client.certChainPem,
      key: client.keyPem,
      ca: rootPem,
      // SPIFFE identities replace host names: check the URI SAN instead of the DNS name.
      checkServerIdentity: (_host, cert) => {
        const uri = cert.subjectaltname?.replace(/^URI:/, '');
        return uri === expectServerId ? undefined : new Error(`server SPIFFE ID ${uri} != ${expectServerId}`);
      },
    });
    let text = '';
    let serverId = '';
    socket.on('secureConnect', () => {
      serverId = verifySvid(socket.getPeerX509Certificate()!.toString(), rootPem).spiffeId;
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve({ text, serverId }));
    socket.on('error', reject);
  });
}

for (const keyType of ['rsa', 'ec'] as KeyType[]) {
  t.test(`mTLS handshake with ${keyType} SVIDs`, async (t) => {
    const ca = createCertificateAuthority({ trustDomain: 'cluster.local', keyType });
    const server = ca.issueWorkload({ namespace: 'prod', serviceAccount: 'db' });
    const client = ca.issueWorkload({ namespace: 'prod', serviceAccount: 'summary' });
    const { port, clientErrors } = await startServer(t, server);

    const ok = await connect(port, client, ca.rootCertPem, 'spiffe://cluster.local/ns/prod/sa/db');
    t.equal(ok.text, 'hello URI:spiffe://cluster.local/ns/prod/sa/summary', 'server sees the client SPIFFE ID');
    t.equal(ok.serverId, 'spiffe://cluster.local/ns/prod/sa/db', 'client verified the server SVID');

    await t.rejects(connect(port, client, ca.rootCertPem, 'spiffe://cluster.local/ns/prod/sa/other'), /server SPIFFE ID .* != /, 'wrong server identity is refused by the client');

    const { port: observerPort } = await startServer(t, server, false);
    const verdicts = { 'wrong-ca': 'CERT_SIGNATURE_FAILURE', expired: 'CERT_HAS_EXPIRED' };
    for (const flaw of ['wrong-ca', 'expired'] as const) {
      const bad = ca.issueWorkload({ namespace: 'prod', serviceAccount: 'summary', flaw });
      // TLS 1.3: the client's handshake completes before the server's alert arrives, so the client
      // sees either an alert error or a bare end of stream; it never gets application data.
      const outcome = await connect(port, bad, ca.rootCertPem, 'spiffe://cluster.local/ns/prod/sa/db').then(
        (r) => `data: ${JSON.stringify(r.text)}`,
        (e: Error) => `error: ${e.message}`,
      );
      t.notMatch(outcome, /hello/, `client with ${flaw} certificate gets no data (${outcome})`);
      const observed = await connect(observerPort, bad, ca.rootCertPem, 'spiffe://cluster.local/ns/prod/sa/db');
      t.equal(observed.text, `unauthorized ${verdicts[flaw]}`, `OpenSSL classifies the ${flaw} certificate as ${verdicts[flaw]}`);
    }

    clientErrors.length = 0;
    const noCert = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: ca.rootCertPem, checkServerIdentity: () => undefined });
      s.on('data', () => resolve('got data'));
      s.on('error', (e) => resolve(`error: ${e.message}`));
      s.on('end', () => resolve('ended without data'));
    });
    t.notMatch(noCert, /got data/, `client without certificate gets no data (${noCert})`);
    t.match(clientErrors.join(';'), /peer did not return a certificate/, 'server demands a client certificate');

    const strangerCa = createCertificateAuthority({ trustDomain: 'cluster.local', keyType: 'ec' });
    const stranger = strangerCa.issueWorkload({ namespace: 'prod', serviceAccount: 'db' });
    const { port: strangerPort } = await startServer(t, stranger);
    await t.rejects(connect(strangerPort, client, ca.rootCertPem, 'spiffe://cluster.local/ns/prod/sa/db'), /signature|certificate/i, 'client refuses a server from another CA');
    t.ok(new crypto.X509Certificate(server.certChainPem).checkHost('db') === undefined, 'no DNS identity in an SVID');
  });
}
