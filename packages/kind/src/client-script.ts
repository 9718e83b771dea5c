// The shell program a request Job runs (in CLIENT_IMAGE, a curl image with a POSIX sh): wait for
// policy to settle, send each request through the pod's own sidecar, and print one JSON line per
// request. Only constant text is interpolated, each value single-quoted for sh.

export interface ProbeCall {
  id: string;
  url: string;
  method: string;
  headers: Record<string, string>;
}

export interface ClientScriptOptions {
  settleSeconds: number;
  timeoutSeconds: number;
  /** Text the echo server puts in every body: proves the request reached the destination app. */
  marker: string;
}

/** Quote for POSIX sh: 'text' with each ' written as '\''. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Marker of result lines in the Job's log (everything else in the log is ignored). */
export const RESULT_KIND = 'alpsim-result';

export function clientScript(calls: ProbeCall[], opts: ClientScriptOptions): string {
  const lines = [
    'set -u',
    `sleep ${Math.max(0, Math.floor(opts.settleSeconds))}`,
    '# probe <id> <method> <url> [curl options...]: one JSON line {id, status, curlExit, reachedApp}',
    'probe() {',
    '  id="$1"; method="$2"; url="$3"; shift 3',
    '  rm -f /tmp/body',
    '  if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- --request "$method" "$@"; fi',
    `  status=$(curl --silent --path-as-is --max-time ${Math.max(1, Math.floor(opts.timeoutSeconds))} --output /tmp/body --write-out '%{http_code}' "$@" "$url")`,
    '  rc=$?',
    `  reached=false; grep -q ${shQuote(opts.marker)} /tmp/body 2>/dev/null && reached=true`,
    `  printf '{"kind":"${RESULT_KIND}","id":"%s","status":"%s","curlExit":%d,"reachedApp":%s}\\n' "$id" "\${status:-000}" "$rc" "$reached"`,
    '}',
  ];
  for (const call of calls) {
    const headerArgs = Object.keys(call.headers)
      .sort()
      .map((name) => `--header ${shQuote(`${name}: ${call.headers[name]}`)}`);
    lines.push(['probe', shQuote(call.id), shQuote(call.method), shQuote(call.url), ...headerArgs].join(' '));
  }
  lines.push('exit 0');
  return lines.join('\n') + '\n';
}
