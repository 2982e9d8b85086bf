import { EXIT } from './exit-codes.ts';

/**
 * The first Ctrl-C aborts the run (the engine then reports it cancelled); a second one exits at once,
 * for a node that does not stop. Returns the function that removes the handler.
 */
export function interruptOnSigint(controller: AbortController, say: (message: string) => void): () => void {
  let count = 0;
  const onSigint = () => {
    count += 1;
    if (count > 1) process.exit(EXIT.cancelled);
    say('cancelling… (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}
