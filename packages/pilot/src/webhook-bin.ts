import { startPilotWebhook } from './webhook';
import { parseWebhookArgs } from './webhook-bin-args';

async function main(): Promise<void> {
  const parsed = parseWebhookArgs(process.argv.slice(2));
  if ('exit' in parsed) {
    (parsed.stream === 'stdout' ? process.stdout : process.stderr).write(`${parsed.output}\n`);
    process.exitCode = parsed.exit;
    return;
  }
  let webhook;
  try {
    webhook = await startPilotWebhook(parsed.path, { debug: parsed.debug });
  } catch (error) {
    process.stderr.write(`pilot-webhook: ${(error as Error).message}\n`);
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    return;
  }
  const stop = () => {
    void webhook.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
