import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUTPUT_SCHEME } from '../api/output-url.ts';
import { PICK_PATH_CHANNEL } from '../api/pick-path.ts';
import { defaultDataDir, studioPaths } from '../api/studio-paths.ts';
import { engineEnv } from '../bin/engine-env.js';
import { fileResponse } from './file-response.ts';
import { outputFileFor } from './output-protocol.ts';
import { isOwnPage } from './own-page.ts';
import { type OpenDialog, pickPath } from './pick-path.ts';

/**
 * The Electron main process: one locked-down window and a relay between its IPC messages and the
 * utility process that runs the engine and the API router (so heavy work never blocks this loop).
 */

const CHANNEL = 'layerflow:trpc';
const here = import.meta.dirname;
const PAGE = join(here, '..', 'renderer', 'index.html');

// Typed by hand: electron is an optional dependency, so its types may be absent when this is checked.
interface WebContents {
  id: number;
  send(channel: string, message: unknown): void;
  once(event: 'destroyed', listener: () => void): void;
  on(event: 'will-navigate' | 'will-prevent-unload', listener: (e: { preventDefault(): void }) => void): void;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}
interface ElectronMain {
  app: { whenReady(): Promise<void>; on(event: string, listener: () => void): void; quit(): void };
  BrowserWindow: new (
    opts: Record<string, unknown>,
  ) => { loadFile(path: string): Promise<void>; webContents: WebContents };
  ipcMain: {
    on(
      channel: string,
      listener: (event: { sender: WebContents; senderFrame: { url: string } | null }, message: unknown) => void,
    ): void;
    handle(
      channel: string,
      listener: (event: { senderFrame: { url: string } | null }, request: unknown) => Promise<unknown>,
    ): void;
  };
  dialog: OpenDialog & {
    showMessageBoxSync(
      window: unknown,
      opts: { type: string; buttons: string[]; defaultId: number; cancelId: number; message: string; detail: string },
    ): number;
  };
  session: {
    defaultSession: {
      webRequest: {
        onHeadersReceived(
          listener: (
            d: { responseHeaders?: Record<string, string[]> },
            cb: (r: { responseHeaders: Record<string, string[]> }) => void,
          ) => void,
        ): void;
      };
      setPermissionRequestHandler(handler: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void): void;
    };
  };
  protocol: {
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  utilityProcess: {
    fork(
      path: string,
      args?: string[],
      opts?: Record<string, unknown>,
    ): {
      postMessage(message: unknown): void;
      on(event: 'message', listener: (message: { senderId: number; message: unknown }) => void): void;
      on(event: 'exit', listener: (code: number) => void): void;
      kill(): void;
    };
  };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: layerflow:",
  "media-src 'self' blob: layerflow:",
  "connect-src 'self' layerflow:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess } = (await import(
  'electron' as string
)) as ElectronMain;

// Run outputs (videos, PNGs, manifests) reach the file:// page on this scheme; it must be declared
// privileged before the app is ready so <video> can stream from it and fetch() can read it.
protocol.registerSchemesAsPrivileged([
  { scheme: OUTPUT_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

/**
 * Serves `layerflow://files/<job>/<path>` from the engine's output folder exactly as the local server
 * serves /files (Range, HEAD, content-type allow-list, no symlinks), and nothing outside it.
 */
async function serveOutput(request: Request): Promise<Response> {
  const outputs = studioPaths(defaultDataDir()).outputs;
  const file = outputFileFor(request.url, outputs);
  return file ? fileResponse(outputs, file, request) : new Response('not found', { status: 404 });
}

async function createWindow(): Promise<void> {
  const engine = utilityProcess.fork(join(here, 'engine-process.mjs'), [], {
    serviceName: 'LayerFlow engine',
    stdio: 'inherit',
    env: engineEnv(),
  });
  const windows = new Map<number, WebContents>();
  engine.on('message', ({ senderId, message }) => windows.get(senderId)?.send(CHANNEL, message));
  engine.on('exit', (code) => {
    if (code !== 0) process.stderr.write(`the engine process exited with code ${code}\n`);
  });
  ipcMain.on(CHANNEL, (event, message) => {
    // Only our own page may talk to the engine: not another file:// document, not a frame already gone.
    if (!isOwnPage(event.senderFrame?.url, pathToFileURL(PAGE).href)) return;
    const wc = event.sender;
    if (!windows.has(wc.id)) {
      windows.set(wc.id, wc);
      wc.once('destroyed', () => {
        windows.delete(wc.id);
        engine.postMessage({ destroyed: wc.id });
      });
    }
    engine.postMessage({ senderId: wc.id, message });
  });

  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'LayerFlow Studio',
    backgroundColor: '#15171c',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  // The page asks before it is closed with unsaved workflows; Electron leaves the question to us.
  win.webContents.on('will-prevent-unload', (e) => {
    const leave = dialog.showMessageBoxSync(win, {
      type: 'question',
      buttons: ['Close without saving', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Some workflows have unsaved changes.',
      detail: 'They are kept in the autosave and reopen next time, but are not saved in a workflow file.',
    });
    if (leave === 0) e.preventDefault();
  });
  // The native file dialog for file params (preload.ts `layerflowDesktop.pickPath`), for our page only.
  ipcMain.handle(PICK_PATH_CHANNEL, async (event, request) => {
    if (!event.senderFrame?.url.startsWith('file://')) return undefined;
    return pickPath(dialog, win, request);
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  await win.loadFile(PAGE);
  app.on('window-all-closed', () => {
    engine.kill();
    app.quit();
  });
}

await app.whenReady();
protocol.handle(OUTPUT_SCHEME, serveOutput);
// file:// pages get the CSP from index.html's meta tag; this header covers anything else loaded.
session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
  callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
);
session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
await createWindow();
