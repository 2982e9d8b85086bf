import { EventEmitter } from 'node:events';

/**
 * A stand-in for the `electron` module, bundled into electron/main.ts by shell.test.ts: it records what
 * the main process asks of Electron and leaves the record on globalThis.__fakeElectron for the test.
 */

export class FakeWebContents extends EventEmitter {
  readonly sent: [channel: string, message: unknown][] = [];
  windowOpenHandler?: (details: { url: string }) => unknown;
  constructor(readonly id: number) {
    super();
  }
  send(channel: string, message: unknown): void {
    this.sent.push([channel, message]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
}

export class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = [];
  killed = false;
  constructor(
    readonly path: string,
    readonly args: string[] | undefined,
    readonly options: Record<string, unknown> | undefined,
  ) {
    super();
  }
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): void {
    this.killed = true;
  }
}

type HeadersListener = (
  details: { responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders: Record<string, string[]> }) => void,
) => void;
type PermissionHandler = (wc: unknown, permission: string, callback: (granted: boolean) => void) => void;

class FakeApp extends EventEmitter {
  quitCalls = 0;
  ready = false;
  whenReady(): Promise<void> {
    this.ready = true;
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalls++;
  }
}

const windows: { options: Record<string, unknown>; loaded: string[]; webContents: FakeWebContents }[] = [];
const forks: FakeUtilityProcess[] = [];
let nextId = 1;

export const app = new FakeApp();

type Handler = (event: { senderFrame: { url: string } | null }, request: unknown) => Promise<unknown>;
class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler): void {
    this.handlers.set(channel, handler);
  }
}
export const ipcMain = new FakeIpcMain();

/** What the native dialogs were asked, and what they answer next. */
const dialogs = {
  opened: [] as { properties: string[]; filters?: { name: string; extensions: string[] }[] }[],
  nextPath: undefined as string | undefined,
  messages: [] as { buttons: string[]; message: string }[],
  nextButton: 1,
};
export const dialog = {
  async showOpenDialog(_window: unknown, opts: (typeof dialogs.opened)[number]) {
    dialogs.opened.push(opts);
    return { canceled: dialogs.nextPath === undefined, filePaths: dialogs.nextPath ? [dialogs.nextPath] : [] };
  },
  showMessageBoxSync(_window: unknown, opts: { buttons: string[]; message: string }) {
    dialogs.messages.push(opts);
    return dialogs.nextButton;
  },
};

export class BrowserWindow {
  readonly webContents = new FakeWebContents(nextId++);
  private readonly record;
  constructor(options: Record<string, unknown>) {
    this.record = { options, loaded: [] as string[], webContents: this.webContents };
    windows.push(this.record);
  }
  loadFile(path: string): Promise<void> {
    this.record.loaded.push(path);
    return Promise.resolve();
  }
}

const hooks: { headers?: HeadersListener; permission?: PermissionHandler } = {};
export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived: (listener: HeadersListener) => {
        hooks.headers = listener;
      },
    },
    setPermissionRequestHandler: (handler: PermissionHandler) => {
      hooks.permission = handler;
    },
  },
};

/** Privileged schemes and protocol handlers, with whether the app was ready when each was registered. */
const protocols = {
  privileged: [] as { scheme: string; privileges: Record<string, boolean>; afterReady: boolean }[],
  handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
};
export const protocol = {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void {
    for (const s of schemes) protocols.privileged.push({ ...s, afterReady: app.ready });
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    protocols.handlers.set(scheme, handler);
  },
};

export const utilityProcess = {
  fork(path: string, args?: string[], options?: Record<string, unknown>): FakeUtilityProcess {
    const child = new FakeUtilityProcess(path, args, options);
    forks.push(child);
    return child;
  },
};

// The test makes its extra senders here, so it need not load this module (and a second record) itself.
const newWebContents = (id: number) => new FakeWebContents(id);
const state = { app, ipcMain, windows, forks, hooks, protocols, dialogs, newWebContents };
export type FakeElectronState = typeof state;
(globalThis as { __fakeElectron?: FakeElectronState }).__fakeElectron = state;
