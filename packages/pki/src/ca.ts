import * as crypto from 'node:crypto';
import type forge from 'node-forge';
import { PkiInputError } from './errors';
import { assertTrustDomain, parseSpiffeId, workloadSpiffeId } from './spiffe';
import { verifySvid } from './verify';
import { inspectCertificate } from './x509-inspect';
import {
  type AltName,
  type KeyType,
  buildCertificate,
  type KeyPair,
  generateKeyPair,
  generateKeyPairAsync,
  keyTypeOf,
  privateKeyPem,
  randomSerialHex,
} from './x509-build';

const X509 = crypto.X509Certificate;

/** Istio 0.7 Citadel defaults (security/cmd/istio_ca/main.go). */
export const ISTIO_DEFAULTS = Object.freeze({
  trustDomain: 'cluster.local',
  caOrganization: 'k8s.cluster.local',
  caTtlSeconds: 365 * 24 * 3600,
  workloadTtlSeconds: 19 * 3600,
  maxWorkloadTtlSeconds: 7 * 24 * 3600,
  keyType: 'rsa' as KeyType,
});

/**
 * Deliberate defects for negative tests. Each produces a certificate that a correct SVID
 * validator (ours, Envoy's TLS stack) must reject:
 * - `expired` — validity ended an hour ago; `not-yet-valid` — starts in an hour;
 * - `wrong-ca` — signed by a throw-away CA with the same subject (rootCertPem stays ours);
 * - `no-uri-san` — only a DNS SAN; `two-uri-sans` — the SPIFFE ID plus a second spiffe URI;
 * - `non-spiffe-san` — a single `https://` URI SAN; `root-path` — `spiffe://<td>` with no path;
 * - `ca-leaf` — basicConstraints cA=true (+keyCertSign) on the leaf.
 */
export type SvidFlaw =
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-ca'
  | 'no-uri-san'
  | 'two-uri-sans'
  | 'non-spiffe-san'
  | 'root-path'
  | 'ca-leaf';

export const SVID_FLAWS: readonly SvidFlaw[] = [
  'expired',
  'not-yet-valid',
  'wrong-ca',
  'no-uri-san',
  'two-uri-sans',
  'non-spiffe-san',
  'root-path',
  'ca-leaf',
];

export interface CertificateAuthorityOptions {
  /** SPIFFE trust domain; default `cluster.local` (hard-coded in Istio 0.7). */
  trustDomain?: string;
  /** Key of the CA itself; default `rsa` (2048). */
  keyType?: KeyType;
  /** Default 1 year. */
  ttlSeconds?: number;
  /** Subject O of the CA; default `k8s.cluster.local`. */
  organization?: string;
  /** Default now. */
  notBefore?: Date;
}

export interface IssueWorkloadOptions {
  namespace: string;
  serviceAccount: string;
  /** Default: the CA's default key type for workloads (`rsa` unless the CA was created with `ec`). */
  keyType?: KeyType;
  /** Default 19 h; at most 7 days (Istio's --max-workload-cert-ttl) unless `flaw` is set. */
  ttlSeconds?: number;
  /** Extra DNS SANs (Istio added `<svc>.<ns>.svc` for some control-plane accounts). */
  dnsNames?: string[];
  /** Default now (Istio sets NotBefore = issue time). */
  notBefore?: Date;
  /** Issue a deliberately bad certificate (see SvidFlaw). */
  flaw?: SvidFlaw;
}

/** What Istio's secret `istio.<sa>` holds, plus facts about it. */
export interface WorkloadSvid {
  /** `spiffe://<td>/ns/<ns>/sa/<sa>` (the intended identity, even for flawed certs). */
  spiffeId: string;
  /** Leaf certificate PEM (self-signed root: the chain is the leaf alone, as in Istio 0.7). */
  certChainPem: string;
  /** PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) PEM. */
  keyPem: string;
  /** The CA certificate PEM. */
  rootCertPem: string;
  keyType: KeyType;
  /** Hex serial (DER integer content). */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

function checkKeyType(keyType: KeyType): KeyType {
  if (keyType !== 'rsa' && keyType !== 'ec') throw new PkiInputError(`key type must be "rsa" or "ec" (got ${JSON.stringify(keyType)})`);
  return keyType;
}

function checkTtl(what: string, ttlSeconds: number): void {
  // X.509 times have one-second resolution.
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 1) throw new PkiInputError(`${what} must be at least 1 second (got ${ttlSeconds})`);
}

export class CertificateAuthority {
  readonly trustDomain: string;
  /** `spiffe://<trust-domain>` (carried as the CA's URI SAN). */
  readonly spiffeId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly keyType: KeyType;
  readonly notAfter: Date;
  private readonly privateKey: crypto.KeyObject;
  private readonly subject: forge.pki.CertificateField[];

  /** Use createCertificateAuthority / loadCertificateAuthority. */
  constructor(parts: { trustDomain: string; certPem: string; privateKey: crypto.KeyObject; subject: forge.pki.CertificateField[] }) {
    this.trustDomain = parts.trustDomain;
    this.spiffeId = `spiffe://${parts.trustDomain}`;
    this.certPem = parts.certPem;
    this.privateKey = parts.privateKey;
    this.keyPem = privateKeyPem(parts.privateKey);
    this.keyType = keyTypeOf(parts.privateKey);
    this.subject = parts.subject;
    this.notAfter = new Date(new X509(parts.certPem).validTo);
  }

  /** Same as certPem: what Istio distributes as root-cert.pem. */
  get rootCertPem(): string {
    return this.certPem;
  }

  /** Issues an X.509-SVID for `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`. */
  issueWorkload(options: IssueWorkloadOptions): WorkloadSvid {
    return this.issueWithKey(options, generateKeyPair(checkKeyType(options.keyType ?? this.keyType)));
  }

  /** Same as issueWorkload, with the key pair generated off the event loop (use it for many RSA SVIDs). */
  async issueWorkloadAsync(options: IssueWorkloadOptions): Promise<WorkloadSvid> {
    workloadSpiffeId(this.trustDomain, options.namespace, options.serviceAccount); // fail before the key work
    return this.issueWithKey(options, await generateKeyPairAsync(checkKeyType(options.keyType ?? this.keyType)));
  }

  private issueWithKey(options: IssueWorkloadOptions, leafKey: KeyPair): WorkloadSvid {
    const spiffeId = workloadSpiffeId(this.trustDomain, options.namespace, options.serviceAccount);
    const flaw = options.flaw;
    if (flaw !== undefined && !SVID_FLAWS.includes(flaw)) throw new PkiInputError(`unknown flaw ${JSON.stringify(flaw)}; expected one of ${SVID_FLAWS.join(', ')}`);
    const ttlSeconds = options.ttlSeconds ?? ISTIO_DEFAULTS.workloadTtlSeconds;
    checkTtl('workload TTL', ttlSeconds);
    if (!flaw && ttlSeconds > ISTIO_DEFAULTS.maxWorkloadTtlSeconds) {
      throw new PkiInputError(`workload TTL ${ttlSeconds}s exceeds the maximum ${ISTIO_DEFAULTS.maxWorkloadTtlSeconds}s (7 days)`);
    }
    for (const dns of options.dnsNames ?? []) {
      if (!/^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/i.test(dns)) throw new PkiInputError(`invalid DNS name ${JSON.stringify(dns)}`);
    }
    let notBefore = options.notBefore ?? new Date();
    if (flaw === 'expired') notBefore = new Date(notBefore.getTime() - ttlSeconds * 1000 - 3600_000);
    if (flaw === 'not-yet-valid') notBefore = new Date(notBefore.getTime() + 3600_000);
    const notAfter = new Date(notBefore.getTime() + ttlSeconds * 1000);

    let uris: string[] = [spiffeId];
    if (flaw === 'no-uri-san') uris = [];
    if (flaw === 'two-uri-sans') uris = [spiffeId, `spiffe://${this.trustDomain}/ns/${options.namespace}/sa/${options.serviceAccount}-second`];
    if (flaw === 'non-spiffe-san') uris = [`https://${this.trustDomain}/ns/${options.namespace}/sa/${options.serviceAccount}`];
    if (flaw === 'root-path') uris = [`spiffe://${this.trustDomain}`];
    const dnsNames = [...(options.dnsNames ?? [])];
    if (flaw === 'no-uri-san' && dnsNames.length === 0) dnsNames.push(`${options.serviceAccount}.${options.namespace}.svc`);
    const altNames: AltName[] = [...uris.map((value) => ({ type: 'uri' as const, value })), ...dnsNames.map((value) => ({ type: 'dns' as const, value }))];

    const keyType = leafKey.type;
    const signer = flaw === 'wrong-ca' ? generateKeyPair(this.keyType).privateKey : this.privateKey;
    const serialHex = randomSerialHex();
    const isCa = flaw === 'ca-leaf';
    const certChainPem = buildCertificate(
      {
        serialHex,
        // Istio 0.7's workload subject holds only an Organization attribute, empty (Go's pkix.Name
        // with Organization [""]); the subject is thus present and the SAN stays non-critical.
        subject: [{ shortName: 'O', value: '' }],
        issuer: this.subject,
        notBefore,
        notAfter,
        publicKey: leafKey.publicKey,
        isCa,
        keyUsage: isCa
          ? { digitalSignature: true, keyCertSign: true }
          : { digitalSignature: true, keyEncipherment: keyType === 'rsa' },
        extKeyUsage: { serverAuth: true, clientAuth: true },
        altNames,
        altNamesCritical: false,
      },
      signer,
    );
    if (!flaw) {
      // What we issue must pass our own X.509-SVID validation (checked at its NotBefore instant).
      try {
        verifySvid(certChainPem, this.certPem, { now: new Date(Math.max(notBefore.getTime(), Date.parse(new X509(this.certPem).validFrom))) });
      } catch (error) {
        throw new PkiInputError(`the certificate for ${spiffeId} would not be a valid X.509-SVID: ${(error as Error).message}`);
      }
    }
    return {
      spiffeId,
      certChainPem,
      keyPem: privateKeyPem(leafKey.privateKey),
      rootCertPem: this.certPem,
      keyType,
      serialNumber: serialHex,
      notBefore,
      notAfter,
    };
  }
}


/** A self-signed SPIFFE signing authority with Istio 0.7 Citadel defaults. */
export function createCertificateAuthority(options: CertificateAuthorityOptions = {}): CertificateAuthority {
  const trustDomain = options.trustDomain ?? ISTIO_DEFAULTS.trustDomain;
  assertTrustDomain(trustDomain);
  const keyType = checkKeyType(options.keyType ?? ISTIO_DEFAULTS.keyType);
  const ttlSeconds = options.ttlSeconds ?? ISTIO_DEFAULTS.caTtlSeconds;
  checkTtl('CA TTL', ttlSeconds);
  const organization = options.organization ?? ISTIO_DEFAULTS.caOrganization;
  const subject = [{ shortName: 'O', value: organization }];
  const key = generateKeyPair(keyType);
  const notBefore = options.notBefore ?? new Date();
  const certPem = buildCertificate(
    {
      serialHex: randomSerialHex(),
      subject,
      issuer: subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + ttlSeconds * 1000),
      publicKey: key.publicKey,
      isCa: true,
      keyUsage: { keyCertSign: true, cRLSign: true },
      altNames: [{ type: 'uri', value: `spiffe://${trustDomain}` }],
      altNamesCritical: false,
    },
    key.privateKey,
  );
  return new CertificateAuthority({ trustDomain, certPem, privateKey: key.privateKey, subject });
}

/**
 * Re-opens a CA written earlier (ca-cert.pem + ca-key.pem). The trust domain comes from the CA's
 * `spiffe://<td>` URI SAN, or `options.trustDomain` when the certificate has none.
 */
export function loadCertificateAuthority(parts: { certPem: string; keyPem: string; trustDomain?: string }): CertificateAuthority {
  let cert: crypto.X509Certificate;
  let privateKey: crypto.KeyObject;
  try {
    cert = new X509(parts.certPem);
  } catch (error) {
    throw new PkiInputError(`CA certificate is not a PEM X.509 certificate: ${(error as Error).message}`);
  }
  try {
    privateKey = crypto.createPrivateKey(parts.keyPem);
  } catch (error) {
    throw new PkiInputError(`CA key is not a PEM private key: ${(error as Error).message}`);
  }
  if (!cert.checkPrivateKey(privateKey)) throw new PkiInputError('CA key does not match the CA certificate');
  const facts = inspectCertificate(Buffer.from(cert.raw));
  if (!facts.isCa) throw new PkiInputError('CA certificate does not have basicConstraints cA=true');
  const fromCert = facts.uris.map((u) => parseSpiffeId(u)).find((p) => p.ok && p.value.path === '');
  const certTrustDomain = fromCert && fromCert.ok ? fromCert.value.trustDomain : undefined;
  if (parts.trustDomain !== undefined && certTrustDomain !== undefined && parts.trustDomain !== certTrustDomain) {
    throw new PkiInputError(`existing CA is for trust domain ${JSON.stringify(certTrustDomain)}, not ${JSON.stringify(parts.trustDomain)}`);
  }
  const trustDomain = parts.trustDomain ?? certTrustDomain ?? ISTIO_DEFAULTS.trustDomain;
  assertTrustDomain(trustDomain);
  // Leaves must name the CA's subject exactly as issuer; rebuild it from the certificate.
  const subject = cert.subject
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => {
      const eq = line.indexOf('=');
      return { shortName: line.slice(0, eq), value: line.slice(eq + 1) };
    });
  return new CertificateAuthority({ trustDomain, certPem: cert.toString(), privateKey, subject });
}
