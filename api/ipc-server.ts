import { type AnyTRPCRouter, callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape } from '@trpc/server';
import { IPC_CHANNEL, type IpcRequest, IpcRequestSchema, type IpcResponse } from './ipc-protocol.ts';

/** The parts of Electron's ipcMain and a WebContents that the bridge uses (so tests can fake them). */
export interface IpcSender {
  id: number;
  send(channel: string, message: IpcResponse): void;
  once(event: 'destroyed', listener: () => void): void;
}
export interface IpcMainLike {
  on(channel: string, listener: (event: { sender: IpcSender }, message: unknown) => void): void;
  removeListener(channel: string, listener: (...args: never[]) => void): void;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

/**
 * Serves a tRPC router over Electron IPC: each call is run through the router (so its zod schemas
 * validate the input), subscriptions stream until the renderer stops them or its window goes away.
 */
export function serveIpc<TRouter extends AnyTRPCRouter>(opts: {
  router: TRouter;
  ipcMain: IpcMainLike;
  createContext: () => unknown;
}): () => void {
  const running = new Map<string, AbortController>();
  const watched = new Set<number>();

  async function call(sender: IpcSender, req: Extract<IpcRequest, { kind: 'call' }>): Promise<void> {
    const key = `${sender.id}:${req.id}`;
    const abort = new AbortController();
    running.set(key, abort);
    const ctx = opts.createContext();
    const reply = (m: IpcResponse) => {
      if (!abort.signal.aborted || m.kind === 'end') sender.send(IPC_CHANNEL, m);
    };
    try {
      const result = await callTRPCProcedure({
        router: opts.router,
        path: req.path,
        getRawInput: async () => req.input,
        ctx,
        type: req.type,
        signal: abort.signal,
        batchIndex: 0,
      });
      if (req.type === 'subscription' && isAsyncIterable(result)) {
        reply({ kind: 'started', id: req.id });
        for await (const data of result) reply({ kind: 'data', id: req.id, data });
      } else reply({ kind: 'data', id: req.id, data: result });
      reply({ kind: 'end', id: req.id });
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const shape = getTRPCErrorShape({
        config: opts.router._def._config,
        error,
        type: req.type,
        path: req.path,
        input: req.input,
        ctx,
      });
      reply({ kind: 'error', id: req.id, error: shape });
    } finally {
      running.delete(key);
    }
  }

  const listener = (event: { sender: IpcSender }, message: unknown) => {
    const parsed = IpcRequestSchema.safeParse(message);
    if (!parsed.success) return; // not ours or malformed: a compromised renderer gets no answer
    const { sender } = event;
    if (!watched.has(sender.id)) {
      watched.add(sender.id);
      sender.once('destroyed', () => {
        watched.delete(sender.id);
        for (const [key, abort] of running) if (key.startsWith(`${sender.id}:`)) abort.abort();
      });
    }
    if (parsed.data.kind === 'stop') running.get(`${sender.id}:${parsed.data.id}`)?.abort();
    else void call(sender, parsed.data);
  };
  opts.ipcMain.on(IPC_CHANNEL, listener);
  return () => {
    opts.ipcMain.removeListener(IPC_CHANNEL, listener);
    for (const abort of running.values()) abort.abort();
  };
}
