// @alpsim/kind — the same scenarios on a kind cluster: manifests (`alpsim kind export`), a runner
// (`alpsim kind run`), and the /healthz probe of the alpsim image.
export { registerKindCommands, exportCommand, kindRunCommand } from './commands';
export {
  exportScenario,
  BASE_FILES,
  DEFAULT_SETTLE_SECONDS,
  IP_SOURCES_NAMESPACE,
  WORKLOAD_LABEL,
  SCENARIO_ANNOTATION,
  DIKASTES_IMAGE_ANNOTATION,
  DIKASTES_COMPAT_ANNOTATION,
  CALICO_IP_ANNOTATION,
  INJECT_TEMPLATES_ANNOTATION,
  type ExportOptions,
  type KindExport,
  type ManifestFile,
  type PlanAction,
  type ProbeJob,
} from './export';
export { exportFiles, renderManifestFile, writeExport, type ExportedFile } from './write';
export { clientScript, shQuote, RESULT_KIND, type ProbeCall } from './client-script';
export { parseProbeLog, verdictOfProbe, requestResult, type ProbeResult } from './results';
export { runExportedScenario, checkCluster, type KindRunOptions } from './run';
export { Kubectl } from './kubectl';
export { compareWithEngine, comparisonNotes, type EngineComparison } from './compare';
export { loadVersions, parseVersionsEnv, renderPlaceholders, kindScriptsDir, type KindVersions } from './versions';
export { dns1035Name, dns1123Name, ipInPool, uniqueName } from './names';
export { checkHealth, parseHealthzArgs, DEFAULT_HEALTHZ_DIAL, type HealthzArgs } from './healthz';
