// The small process that starts ffmpeg and ffprobe for media/spawn.ts (plain JavaScript: it starts with
// no loader). It forks instead of the large process that asked, and hands each tool's pipes back to it
// over the IPC channel, so the bytes go straight between the tool and the asking process.
import { spawn } from 'node:child_process';

/** Tools running, by the asking process's id for them. */
const tools = new Map();

function send(message, handle) {
  if (process.connected) process.send(message, handle);
}

function start({ id, file, args, stdio }) {
  const child = spawn(file, args, { stdio });
  if (child.pid === undefined) {
    // the start failed: spawn reports why in its 'error' event, on the next tick
    child.once('error', (e) => send({ type: 'error', id, code: e.code, message: e.message }));
    return;
  }
  tools.set(id, child);
  stdio.forEach((kind, fd) => {
    if (kind !== 'pipe') return;
    const stream = child.stdio[fd];
    // Node starts reading a new pipe at once; this process must not take any of the tool's output
    stream.pause();
    stream._handle?.readStop();
    send({ type: 'pipe', id, fd }, stream);
  });
  send({ type: 'started', id, pid: child.pid });
  child.on('exit', (code, signal) => {
    tools.delete(id);
    send({ type: 'exit', id, code, signal });
  });
}

process.on('message', (message) => {
  if (message.type === 'spawn') start(message);
  else if (message.type === 'kill') tools.get(message.id)?.kill(message.signal);
});

// The asking process ended (or let go of this one): its tools end with it.
process.on('disconnect', () => {
  for (const child of tools.values()) child.kill('SIGKILL');
  process.exit(0);
});
