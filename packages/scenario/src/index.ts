// @alpsim/scenario: declarative scenarios end to end — `alpsim run`, explain, diff, coverage, reporters.
export { registerScenarioCommands, runCommand } from './commands';
export { parseScenarioFile, parseScenarioText, DEFAULT_COMPAT, DEFAULT_TRUST_DOMAIN } from './parse';
export { loadScenarios, findScenarioFiles, defaultScenarioPath } from './discover';
export { resolveScenario, resolveAll, applyStep, type ResolvedScenario, type ResolvedRequest, type ResolvedWorkload, type ResolvedStep } from './resolve';
export { runScenario, type RunOptions } from './run/scenario-run';
export { evaluateInProcess } from './engine-run';
export { Explainer, policyOrigin, allRuleKeys } from './explain';
export { diffPolicies, generateRequests, renderDiff, type DiffReport } from './diff';
export { computeCoverage, renderCoverage, type Coverage } from './coverage';
export { renderTap, renderJunit, renderJson, renderHtml, renderReport, toJsonReport, REPORTERS, type ReporterName } from './report/reporters';
export { renderScenarioTable, renderSummaryLine } from './report/table';
export { writeReport } from './report/write';
export { summarize, exitCodeFor, type RequestResult, type ScenarioResult, type RunSummary, type RunMode, type Decision } from './results';
export { buildCheckRequest, AuthzClient, ENVOY_AUTHZ_TIMEOUT_MS } from './authz';
export { Supervisor, splitCommand } from './supervisor';
export { allocateLoopbacks } from './addresses';
export { ScenarioError, HarnessError } from './errors';
export type * from './model';
