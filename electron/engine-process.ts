// The Electron utility process: the engine and the API router run here, off the main process's event loop.
import { IPC_CHANNEL, type IpcResponse } from '../api/ipc-protocol.ts';
import { type IpcMainLike, serveIpc } from '../api/ipc-server.ts';
import { appRouter } from '../api/router.ts';
import { createStudio } from '../api/studio.ts';

interface ParentPort {
  on(
    event: 'message',
    listener: (e: { data: { senderId: number; message: unknown } | { destroyed: number } }) => void,
  ): void;
  postMessage(message: { senderId: number; message: IpcResponse }): void;
}

const port = (process as unknown as { parentPort: ParentPort }).parentPort;
const services = await createStudio({ dataDir: process.env.LAYERFLOW_DATA as string });
const listeners = new Set<Parameters<IpcMainLike['on']>[1]>();
const destroyHooks = new Map<number, () => void>();

// The main process forwards each window's messages with its id; replies go back the same way.
port.on('message', ({ data }) => {
  if ('destroyed' in data) {
    destroyHooks.get(data.destroyed)?.();
    return;
  }
  const sender = {
    id: data.senderId,
    send: (_channel: string, message: IpcResponse) => port.postMessage({ senderId: data.senderId, message }),
    once: (_e: 'destroyed', hook: () => void) => void destroyHooks.set(data.senderId, hook),
  };
  for (const l of listeners) l({ sender }, data.message);
});

serveIpc({
  router: appRouter,
  ipcMain: {
    on: (channel, listener) => void (channel === IPC_CHANNEL && listeners.add(listener)),
    removeListener: (_channel, listener) => void listeners.delete(listener as never),
  },
  createContext: () => ({ services }),
});
