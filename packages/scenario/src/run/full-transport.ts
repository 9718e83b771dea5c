import { HarnessError } from '../errors';
import type { FullModeContext } from './scenario-run';
import type { Transport } from './transport';

export async function createFullTransport(_ctx: FullModeContext): Promise<Transport> {
  throw new HarnessError('full mode: not wired yet');
}
