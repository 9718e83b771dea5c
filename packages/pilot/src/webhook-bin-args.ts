/**
 * `pilot-webhook <path> [--debug]` — the CLI of Calico's pilot-webhook (docopt usage
 * `webhook <path> [options]`, version 0.1).
 */
export const USAGE = `Istio Pilot Webhook

Usage:
  webhook <path> [options]

Options:
  <path>                 Absolute path to webhook listen socket
  --debug                Log at Debug level.`;

export const VERSION = '0.1';

export function parseWebhookArgs(argv: string[]): { path: string; debug: boolean } | { exit: number; output: string; stream: 'stdout' | 'stderr' } {
  if (argv.includes('-h') || argv.includes('--help')) return { exit: 0, output: USAGE, stream: 'stdout' };
  if (argv.includes('--version')) return { exit: 0, output: VERSION, stream: 'stdout' };
  const positional = argv.filter((a) => !a.startsWith('--') || a === '--');
  const flags = argv.filter((a) => a.startsWith('--') && a !== '--');
  const unknown = flags.filter((a) => a !== '--debug');
  const paths = positional.filter((a) => a !== '--');
  if (unknown.length > 0 || paths.length !== 1) return { exit: 2, output: USAGE, stream: 'stderr' };
  return { path: paths[0], debug: flags.includes('--debug') };
}
