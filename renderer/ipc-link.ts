import { TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import type { IpcRequest, IpcResponse } from '../api/ipc-protocol.ts';

/** What the Electron preload exposes on `window.layerflowIpc`. */
export interface IpcBridge {
  send(message: IpcRequest): void;
  /** Listens for responses; returns the unsubscribe function. */
  onMessage(listener: (message: IpcResponse) => void): () => void;
}

/** A tRPC link that sends every operation over the preload's IPC bridge. */
export function ipcLink<TRouter extends AnyTRPCRouter>(bridge: IpcBridge): TRPCLink<TRouter> {
  const pending = new Map<number, (m: IpcResponse) => void>();
  bridge.onMessage((m) => pending.get(m.id)?.(m));
  let nextId = 1;
  return () =>
    ({ op }) =>
      observable((observer) => {
        const id = nextId++;
        pending.set(id, (m) => {
          if (m.kind === 'error') {
            pending.delete(id);
            observer.error(TRPCClientError.from({ error: m.error } as never));
          } else if (m.kind === 'end') {
            pending.delete(id);
            observer.complete();
          } else if (m.kind === 'started') observer.next({ result: { type: 'started' } });
          else
            observer.next({ result: op.type === 'subscription' ? { type: 'data', data: m.data } : { data: m.data } });
        });
        bridge.send({ kind: 'call', id, type: op.type, path: op.path, input: op.input });
        return () => {
          if (!pending.delete(id)) return;
          if (op.type === 'subscription') bridge.send({ kind: 'stop', id });
        };
      });
}
