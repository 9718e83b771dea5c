export {
  CertificateAuthority,
  createCertificateAuthority,
  loadCertificateAuthority,
  ISTIO_DEFAULTS,
  SVID_FLAWS,
  type CertificateAuthorityOptions,
  type IssueWorkloadOptions,
  type SvidFlaw,
  type WorkloadSvid,
} from './ca';
export { verifySvid, type VerifiedSvid, type VerifySvidOptions } from './verify';
export { PkiInputError, SvidVerificationError, type SvidErrorCode } from './errors';
export { parseSpiffeId, workloadSpiffeId, trustDomainProblem, pathSegmentProblem, type SpiffeId } from './spiffe';
export { writeIstioLayout, readIstioLayout, istioLayoutPaths, ISTIO_CERT_FILES, ISTIO_CA_FILES, type IstioLayoutPaths } from './layout';
export { inspectCertificate, type CertificateFacts } from './x509-inspect';
export { type KeyType } from './x509-build';
export { registerPkiCommands, runCertsCommand, parseDuration, type CertsCommandOptions } from './commands';
