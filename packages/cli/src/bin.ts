import { main } from './main';

// `alpsim … | head` closes the pipe early: like any Unix filter, stop quietly instead of
// crashing with an unhandled EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
