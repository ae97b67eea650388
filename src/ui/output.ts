/**
 * A reader that goes away (`cqrsctl events tail | head -1`) ends the command quietly, as it ends `cat`:
 * Node ignores SIGPIPE, so a write to a closed pipe is an EPIPE 'error' event, which unhandled would
 * print a stack trace. Nothing is left to say to a reader that is gone, so the process exits at once.
 */
export function endQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}
