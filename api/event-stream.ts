/**
 * Turns a listener-style subscription into an async generator (the form tRPC v11 subscriptions take),
 * buffering events that arrive between pulls and ending when `signal` aborts.
 */
export async function* eventStream<T>(
  subscribe: (listener: (event: T) => void) => () => void,
  signal: AbortSignal | undefined,
  accept: (event: T) => boolean = () => true,
): AsyncGenerator<T> {
  const buffer: T[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = subscribe((event) => {
    if (!accept(event)) return;
    buffer.push(event);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      const next = buffer.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
