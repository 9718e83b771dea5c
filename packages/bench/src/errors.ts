/** A run that cannot go on because of the environment or the SUT: printed without a stack, exit 1. */
export function runFailure(message: string): Error {
  return Object.assign(new Error(message), { userError: true, exitCode: 1 });
}
