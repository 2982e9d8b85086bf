import { type ChildProcess, fork, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Starting a tool through a small host process (spawn-host.js) instead of from this one. On Linux a spawn
 * forks the calling process: every page it writes afterwards takes a copy-on-write fault first. This
 * process holds the sessions, tensors and frames (hundreds of MB), so each ffmpeg started beside a
 * running job made ONNX Runtime and the frame conversions fault page by page — on the virtual machines
 * the figures are measured on, 20–40 µs a fault, more CPU than encoding the clip. The host is forked once;
 * its pipes come back over IPC, so the bytes still flow directly between the tool and this process.
 * Windows has no fork: tools start directly there.
 */

type Stdio = ('pipe' | 'ignore')[];

/** What the tool runners use of a started tool: ChildProcess's stdio, kill, ref and its 'close' event. */
export interface ToolProcess {
  readonly stdin: Socket | null;
  readonly stdout: Socket | null;
  readonly stderr: Socket | null;
  readonly stdio: (Socket | null)[];
  kill(signal?: NodeJS.Signals): void;
  /** Whether a running tool keeps this process alive (default yes). */
  ref(): void;
  unref(): void;
  /** After the tool exited and its output pipes closed: (exit code, or null and the signal). */
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
}

/** A spawn failure (ENOENT, EACCES…), as spawn's 'error' event gives it. */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SpawnError';
  }
}

/** Starts `file` with `args`; resolves once it runs (its pipes open), rejects with SpawnError if it cannot. */
export function spawnTool(file: string, args: string[], stdio: Stdio): Promise<ToolProcess> {
  if (process.platform === 'win32' || process.env.LAYERFLOW_SPAWN_HOST === '0') return spawnHere(file, args, stdio);
  return host().start(file, args, stdio);
}

function spawnHere(file: string, args: string[], stdio: Stdio): Promise<ToolProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio });
    child.once('error', (e: NodeJS.ErrnoException) => reject(new SpawnError(e.message, e.code)));
    child.once('spawn', () => resolve(child as unknown as ToolProcess));
  });
}

type HostMessage =
  | { type: 'pipe'; id: number; fd: number }
  | { type: 'started'; id: number; pid: number }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'error'; id: number; code?: string; message: string };

/** A tool started by the host: its pipes arrive one IPC message each, then 'started', later 'exit'. */
class HostedTool extends EventEmitter implements ToolProcess {
  readonly stdio: (Socket | null)[];
  pid?: number;
  /** Whether it keeps this process alive while it runs. */
  held = true;
  private exit?: [number | null, NodeJS.Signals | null];
  private open = 0;

  constructor(
    private readonly owner: Host,
    readonly id: number,
    stdio: Stdio,
    readonly started: { resolve: (t: ToolProcess) => void; reject: (e: Error) => void },
  ) {
    super();
    this.stdio = stdio.map(() => null);
  }
  get stdin() {
    return this.stdio[0];
  }
  get stdout() {
    return this.stdio[1];
  }
  get stderr() {
    return this.stdio[2];
  }

  pipe(fd: number, socket: Socket): void {
    this.stdio[fd] = socket;
    if (!this.held) socket.unref();
    if (fd === 0 || fd === 3) return; // written to: closing them is the writer's business
    this.open++;
    socket.once('close', () => {
      this.open--;
      this.closeIfDone();
    });
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = [code, signal];
    this.closeIfDone();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exit || this.pid === undefined) return;
    try {
      process.kill(this.pid, signal); // directly: this also works while this process exits
    } catch {
      // it has just exited
    }
  }

  ref(): void {
    this.hold(true);
  }

  unref(): void {
    this.hold(false);
  }

  private hold(kept: boolean): void {
    if (this.held === kept) return;
    this.held = kept;
    for (const s of this.stdio) kept ? s?.ref() : s?.unref();
    this.owner.holding(kept ? 1 : -1);
  }

  private closeIfDone(): void {
    if (!this.exit || this.open > 0) return;
    this.owner.forget(this);
    this.emit('close', ...this.exit);
  }
}

/** The host process and the tools it runs for us. */
class Host {
  private readonly child: ChildProcess;
  private readonly tools = new Map<number, HostedTool>();
  private nextId = 1;
  /** Running tools that keep this process alive (their exit arrives over the channel). */
  private held = 0;
  private dead = false;

  constructor() {
    const script = fileURLToPath(new URL('./spawn-host.js', import.meta.url));
    // no execArgv: the host needs no TypeScript loader, and starts in a few tens of ms without one
    this.child = fork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    this.child.unref();
    this.child.channel?.unref();
    this.child.on('message', (m: HostMessage, handle?: Socket) => this.receive(m, handle));
    this.child.on('exit', () => this.lost());
    this.child.on('error', () => this.lost());
  }

  start(file: string, args: string[], stdio: Stdio): Promise<ToolProcess> {
    if (this.dead) return spawnHere(file, args, stdio);
    return new Promise((resolve, reject) => {
      const tool = new HostedTool(this, this.nextId++, stdio, { resolve, reject });
      this.tools.set(tool.id, tool);
      this.holding(1);
      this.send({ type: 'spawn', id: tool.id, file, args, stdio });
    });
  }

  send(message: object): void {
    if (!this.dead) this.child.send(message);
  }

  holding(delta: number): void {
    this.held += delta;
    if (this.held > 0) this.child.channel?.ref();
    else this.child.channel?.unref();
  }

  forget(tool: HostedTool): void {
    if (this.tools.delete(tool.id) && tool.held) this.holding(-1);
  }

  private receive(m: HostMessage, handle?: Socket): void {
    const tool = this.tools.get(m.id);
    if (!tool) {
      handle?.destroy();
      return;
    }
    if (m.type === 'pipe' && handle) tool.pipe(m.fd, handle);
    else if (m.type === 'started') {
      tool.pid = m.pid;
      tool.started.resolve(tool);
    } else if (m.type === 'exit') tool.exited(m.code, m.signal);
    else if (m.type === 'error') {
      this.forget(tool);
      tool.started.reject(new SpawnError(m.message, m.code));
    }
  }

  /** The host died (killed from outside): its tools are killed, and the next tool starts a new host. */
  private lost(): void {
    if (this.dead) return;
    this.dead = true;
    if (current === this) current = undefined;
    for (const tool of [...this.tools.values()]) {
      tool.kill('SIGKILL');
      tool.started.reject(new SpawnError('the process that starts tools ended', 'EHOSTDOWN'));
      tool.exited(null, 'SIGKILL');
    }
  }
}

let current: Host | undefined;

function host(): Host {
  current ??= new Host();
  return current;
}
