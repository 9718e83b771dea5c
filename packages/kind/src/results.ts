// From the Jobs' logs to alpsim's result model, so `kind run` prints the same tables and reports as
// `alpsim run`.
import type { RequestResult, ResolvedRequest, ScenarioResult, Verdict } from '@alpsim/scenario';
import { RESULT_KIND } from './client-script';

export interface ProbeResult {
  id: string;
  /** HTTP status as curl printed it ("000" when no response came back). */
  status: string;
  curlExit: number;
  /** The body carried the echo server's marker: the request reached the destination app. */
  reachedApp: boolean;
}

/** Result lines of a Job log; other lines (curl noise, sidecar logs) are ignored. */
export function parseProbeLog(log: string): ProbeResult[] {
  const out: ProbeResult[] = [];
  for (const line of log.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || !trimmed.includes(RESULT_KIND)) continue;
    try {
      const v = JSON.parse(trimmed) as Record<string, unknown>;
      if (v.kind !== RESULT_KIND || typeof v.id !== 'string') continue;
      out.push({ id: v.id, status: String(v.status), curlExit: Number(v.curlExit), reachedApp: v.reachedApp === true });
    } catch {
      // a truncated line: the request counts as missing
    }
  }
  return out;
}

const CURL_ERRORS: Record<number, string> = {
  6: 'DNS lookup failed',
  7: 'connection refused',
  28: 'timeout',
  52: 'empty reply',
  56: 'connection reset',
};

/**
 * Allowed = the echo app answered 2xx. Denied = Envoy's ext_authz 403 (Dikastes said no), or no
 * answer from the app at all (Felix dropped the connection at L3/L4 — the client's sidecar then
 * answers 503 — or strict mTLS refused a plaintext client).
 */
export function verdictOfProbe(p: ProbeResult, method: string): { got: Verdict; detail: string; decidedBy: string } {
  const code = Number(p.status);
  // A HEAD answer has no body, so the echo marker cannot be checked; Envoy never answers 2xx itself.
  const fromApp = p.reachedApp || method === 'HEAD';
  if (fromApp && code >= 200 && code < 300) return { got: 'allow', detail: 'OK', decidedBy: `the app answered HTTP ${code}` };
  if (code === 403) return { got: 'deny', detail: 'HTTP 403', decidedBy: 'ext_authz 403 (Dikastes denied)' };
  if (code > 0 && !fromApp) return { got: 'deny', detail: `HTTP ${code}`, decidedBy: `Envoy ${code}: app not reached (L3/L4 drop or mTLS refusal)` };
  if (code > 0) return { got: 'deny', detail: `HTTP ${code}`, decidedBy: `the app answered HTTP ${code}` };
  const why = CURL_ERRORS[p.curlExit] ? ` (${CURL_ERRORS[p.curlExit]})` : '';
  return { got: 'deny', detail: `no response: curl exit ${p.curlExit}${why}`, decidedBy: `no response${why}: L3/L4 drop or mTLS refusal` };
}

export function requestResult(request: ResolvedRequest, probe: ProbeResult, step?: number): RequestResult {
  const { got, detail, decidedBy } = verdictOfProbe(probe, request.method);
  return {
    request,
    port: request.port,
    expected: request.expect,
    got,
    detail,
    decision: { summary: `kind: ${decidedBy}` },
    met: got === request.expect,
    durationMs: 0,
    ...(step !== undefined ? { step } : {}),
  };
}

export type { ScenarioResult };
