import type { Command } from 'commander';
import { registerPkiCommands } from '@alpsim/pki';
import { registerPilotCommands } from '@alpsim/pilot';
import { registerBenchCommands } from '@alpsim/bench';
import { registerScenarioCommands } from '@alpsim/scenario';
import { registerFelixCommands } from '@alpsim/felix';
import { registerKindCommands } from '@alpsim/kind';
import { registerProxyCommands } from '@alpsim/proxy';

/**
 * Every alpsim subcommand lives in the package that owns it; each package exports a
 * `register…Commands(program)` function and adds one line here.
 */
export function registerAll(program: Command): void {
  void program;
  registerPkiCommands(program);
  registerPilotCommands(program);
  registerBenchCommands(program);
  registerScenarioCommands(program);
  registerFelixCommands(program);
  registerKindCommands(program);
  registerProxyCommands(program);
}
