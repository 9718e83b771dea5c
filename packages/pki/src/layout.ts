import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkloadSvid } from './ca';

/** File names of Istio's `istio.<sa>` secret as mounted at /etc/certs/. */
export const ISTIO_CERT_FILES = Object.freeze({
  certChain: 'cert-chain.pem',
  key: 'key.pem',
  rootCert: 'root-cert.pem',
});

/** File names of Istio's `istio-ca-secret` (self-signed CA). */
export const ISTIO_CA_FILES = Object.freeze({
  cert: 'ca-cert.pem',
  key: 'ca-key.pem',
});

export interface IstioLayoutPaths {
  certChain: string;
  key: string;
  rootCert: string;
}

/**
 * Writes `cert-chain.pem`, `key.pem` (mode 0600) and `root-cert.pem` into `dir` (created if
 * missing) — the layout Envoy's v1 config reads from /etc/certs/.
 */
export function writeIstioLayout(dir: string, svid: Pick<WorkloadSvid, 'certChainPem' | 'keyPem' | 'rootCertPem'>): IstioLayoutPaths {
  fs.mkdirSync(dir, { recursive: true });
  const paths = istioLayoutPaths(dir);
  fs.writeFileSync(paths.certChain, svid.certChainPem, { mode: 0o644 });
  fs.writeFileSync(paths.key, svid.keyPem, { mode: 0o600 });
  fs.chmodSync(paths.key, 0o600);
  fs.writeFileSync(paths.rootCert, svid.rootCertPem, { mode: 0o644 });
  return paths;
}

export function istioLayoutPaths(dir: string): IstioLayoutPaths {
  return {
    certChain: path.join(dir, ISTIO_CERT_FILES.certChain),
    key: path.join(dir, ISTIO_CERT_FILES.key),
    rootCert: path.join(dir, ISTIO_CERT_FILES.rootCert),
  };
}

/** Reads a directory written by writeIstioLayout (or a real /etc/certs). */
export function readIstioLayout(dir: string): { certChainPem: string; keyPem: string; rootCertPem: string } {
  const paths = istioLayoutPaths(dir);
  return {
    certChainPem: fs.readFileSync(paths.certChain, 'utf8'),
    keyPem: fs.readFileSync(paths.key, 'utf8'),
    rootCertPem: fs.readFileSync(paths.rootCert, 'utf8'),
  };
}
