// Runs sandboxed: only `contextBridge` and `ipcRenderer` are available, and only this narrow bridge is exposed.
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    send(channel: string, message: unknown): void;
    invoke(channel: string, request: unknown): Promise<unknown>;
    on(channel: string, listener: (event: unknown, message: unknown) => void): void;
    removeListener(channel: string, listener: (event: unknown, message: unknown) => void): void;
  };
}
// A sandboxed preload can only require('electron'); the package is optional, so it is typed here.
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

const CHANNEL = 'layerflow:trpc';

// The native file dialog: the path of a file or folder on this machine, for file params (electron/pick-path.ts).
contextBridge.exposeInMainWorld('layerflowDesktop', {
  pickPath: (request: unknown) => ipcRenderer.invoke('layerflow:pick-path', request),
});

contextBridge.exposeInMainWorld('layerflowIpc', {
  send: (message: unknown) => ipcRenderer.send(CHANNEL, message),
  onMessage: (listener: (message: unknown) => void) => {
    const wrapped = (_event: unknown, message: unknown) => listener(message);
    ipcRenderer.on(CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(CHANNEL, wrapped);
  },
});
