import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { FakeElectronState, FakeWebContents } from './fake-electron.ts';

// electron/main.ts is bundled as electron/start.ts bundles it, but with `electron` resolved to a fake that
// records every window option, hook and IPC listener, so the shell's lock-down is checked without Electron.

const root = join(import.meta.dirname, '..', '..');
const CHANNEL = 'layerflow:trpc';
let outdir: string;
let fake: FakeElectronState;

before(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'layerflow-shell-'));
  // The data folder the app's output scheme serves from (electron/start.ts sets it for the real app).
  process.env.LAYERFLOW_DATA = join(outdir, 'data');
  await mkdir(join(outdir, 'data', 'jobs', 'outputs', 'job-1'), { recursive: true });
  await writeFile(join(outdir, 'data', 'jobs', 'outputs', 'job-1', 'blend.mp4'), 'video bytes');
  await writeFile(join(outdir, 'data', 'secret.txt'), 'secret');
  await build({
    entryPoints: [join(root, 'electron', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: join(outdir, 'main.mjs'),
    alias: { electron: join(import.meta.dirname, 'fake-electron.ts') },
    logLevel: 'silent',
  });
  await import(pathToFileURL(join(outdir, 'main.mjs')).href);
  const recorded = (globalThis as { __fakeElectron?: FakeElectronState }).__fakeElectron;
  assert.ok(recorded, 'the bundle did not load the fake electron module');
  fake = recorded;
});

after(() => rm(outdir, { recursive: true, force: true }));

/** A valid bridge request with a random id, as the renderer's ipcLink sends it. */
function request(): { kind: 'call'; id: number; type: 'query'; path: string } {
  return { kind: 'call', id: Math.floor(Math.random() * 1e9), type: 'query', path: 'nodes.list' };
}

function sendFrom(sender: FakeWebContents, url: string | null, message: unknown): void {
  fake.ipcMain.emit(CHANNEL, url === null ? { sender, senderFrame: null } : { sender, senderFrame: { url } }, message);
}

function engine() {
  assert.equal(fake.forks.length, 1);
  return fake.forks[0];
}

/** The page the window loaded (beside the bundle, as in the app: dist/renderer/index.html). */
const ownPage = () => pathToFileURL(fake.windows[0].loaded[0]).href;

test('the one window is isolated, sandboxed, without node, with the bundled preload', () => {
  assert.equal(fake.windows.length, 1);
  const prefs = fake.windows[0].options.webPreferences as Record<string, unknown>;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.notEqual(prefs.webSecurity, false);
  assert.equal(prefs.nodeIntegrationInSubFrames ?? false, false);
  assert.equal(prefs.nodeIntegrationInWorker ?? false, false);
  assert.match(String(prefs.preload), /[\\/]preload\.cjs$/);
  assert.deepEqual(fake.windows[0].loaded.length, 1);
  assert.match(fake.windows[0].loaded[0], /[\\/]renderer[\\/]index\.html$/);
});

test('navigation away from the page is prevented and new windows are denied', () => {
  const wc = fake.windows[0].webContents;
  const navigate = wc.listeners('will-navigate');
  assert.equal(navigate.length, 1);
  let prevented = 0;
  for (const l of navigate) l({ preventDefault: () => prevented++ }, 'https://evil.example/');
  assert.equal(prevented, 1);
  assert.ok(wc.windowOpenHandler, 'no window-open handler was set');
  assert.deepEqual(wc.windowOpenHandler({ url: 'https://evil.example/' }), { action: 'deny' });
});

test('responses get a strict Content-Security-Policy header, other headers kept', () => {
  const hook = fake.hooks.headers;
  assert.ok(hook, 'no onHeadersReceived hook');
  let headers: Record<string, string[]> | undefined;
  hook({ responseHeaders: { 'X-Kept': ['yes'] } }, (r) => {
    headers = r.responseHeaders;
  });
  assert.deepEqual(headers?.['X-Kept'], ['yes']);
  const csp = parseCsp(headers?.['Content-Security-Policy']?.join('; ') ?? '');
  assertStrictCsp(csp);
});

test('every permission request is refused', () => {
  const handler = fake.hooks.permission;
  assert.ok(handler, 'no permission handler');
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
    const answers: boolean[] = [];
    handler(fake.windows[0].webContents, permission, (ok) => answers.push(ok));
    assert.deepEqual(answers, [false], permission);
  }
});

test('the engine runs in a utility process', () => {
  assert.match(engine().path, /[\\/]engine-process\.mjs$/);
});

test('IPC from a foreign or unknown frame is not forwarded to the engine', () => {
  const before = engine().posted.length;
  const wc = fake.windows[0].webContents;
  sendFrom(wc, 'https://evil.example/index.html', request());
  sendFrom(wc, 'http://127.0.0.1:5173/index.html', request());
  sendFrom(wc, null, request());
  // Another local document, even one next to ours, is not our page.
  sendFrom(wc, pathToFileURL(join(outdir, 'downloaded.html')).href, request());
  sendFrom(wc, ownPage().replace('index.html', 'other.html'), request());
  assert.equal(engine().posted.length, before);
});

test('IPC from our page is forwarded with its sender, and the reply goes back to that window', () => {
  const wc = fake.windows[0].webContents;
  const message = request();
  sendFrom(wc, ownPage(), message);
  assert.deepEqual(engine().posted.at(-1), { senderId: wc.id, message });

  const reply = { kind: 'data', id: message.id, data: [Math.random()] };
  const other = fake.newWebContents(wc.id + 100);
  sendFrom(other, ownPage(), request());
  engine().emit('message', { senderId: wc.id, message: reply });
  assert.deepEqual(wc.sent.at(-1), [CHANNEL, reply]);
  assert.equal(
    other.sent.some(([, m]) => m === reply),
    false,
  );
});

test('when a window goes away the engine is told, and its late replies are dropped', () => {
  const wc = fake.newWebContents(4242);
  sendFrom(wc, ownPage(), request());
  wc.emit('destroyed');
  assert.deepEqual(engine().posted.at(-1), { destroyed: 4242 });
  engine().emit('message', { senderId: 4242, message: { kind: 'end', id: 1 } });
  assert.equal(wc.sent.length, 0);
});

test('closing all windows kills the engine and quits', () => {
  assert.equal(engine().killed, false);
  fake.app.emit('window-all-closed');
  assert.equal(engine().killed, true);
  assert.equal(fake.app.quitCalls, 1);
});

test("renderer/index.html declares a CSP without 'unsafe-eval'", async () => {
  const html = await readFile(join(root, 'renderer', 'index.html'), 'utf8');
  const meta = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i);
  assert.ok(meta, 'no CSP meta tag');
  assertStrictCsp(parseCsp(meta[1]));
});

function parseCsp(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

function assertStrictCsp(csp: Map<string, string[]>): void {
  assert.deepEqual(csp.get('default-src'), ["'self'"]);
  assert.deepEqual(csp.get('object-src'), ["'none'"]);
  const scripts = csp.get('script-src') ?? csp.get('default-src') ?? [];
  assert.ok(scripts.length > 0);
  for (const bad of ["'unsafe-eval'", "'unsafe-inline'", '*', 'http:', 'https:', 'data:']) {
    assert.equal(scripts.includes(bad), false, `script-src allows ${bad}`);
  }
  // Outputs play from the app's own scheme; nothing may load from arbitrary file:// paths.
  for (const d of ['media-src', 'img-src', 'connect-src']) {
    assert.ok(csp.get(d)?.includes('layerflow:'), `${d} allows layerflow:`);
    assert.equal(csp.get(d)?.includes('file:'), false, `${d} allows file:`);
  }
}

test('run outputs are served on a privileged layerflow: scheme, from the output folder only', async () => {
  const scheme = fake.protocols.privileged.find((p) => p.scheme === 'layerflow');
  assert.ok(scheme, 'layerflow: is registered');
  assert.equal(scheme.afterReady, false, 'registered before the app is ready, as Electron requires');
  assert.equal(scheme.privileges.stream && scheme.privileges.supportFetchAPI && scheme.privileges.secure, true);
  const handle = fake.protocols.handlers.get('layerflow');
  assert.ok(handle, 'no handler for layerflow:');
  const get = async (url: string) => {
    const r = await handle(new Request(url));
    return { status: r.status, text: await r.text() };
  };
  assert.deepEqual(await get('layerflow://files/job-1/blend.mp4'), { status: 200, text: 'video bytes' });
  assert.equal((await get('layerflow://files/job-1/missing.mp4')).status, 404);
  for (const url of [
    'layerflow://files/job-1/..%2F..%2F..%2Fsecret.txt',
    'layerflow://files/..%2F..%2Fsecret.txt/x',
    'layerflow://files/job-1/%2e%2e/%2e%2e/%2e%2e/secret.txt',
    'layerflow://files/../secret.txt',
    'layerflow://files/job-1/..%5C..%5Csecret.txt',
    `layerflow://files/job-1/${encodeURIComponent(join(outdir, 'data', 'secret.txt'))}`,
    'layerflow://other/job-1/blend.mp4',
  ]) {
    const r = await get(url);
    assert.equal(r.status, 404, url);
    assert.ok(!r.text.includes('secret'), url);
  }
});

test('a video on the layerflow: scheme answers a Range request with 206 so it can seek', async () => {
  const handle = fake.protocols.handlers.get('layerflow');
  assert.ok(handle, 'no handler for layerflow:');
  const r = await handle(new Request('layerflow://files/job-1/blend.mp4', { headers: { range: 'bytes=2-6' } }));
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-type'), 'video/mp4');
  assert.equal(r.headers.get('content-range'), 'bytes 2-6/11');
  assert.equal(await r.text(), 'deo b');
});

test('the layerflow: scheme follows no symlink and never serves a page that could run script', async () => {
  const handle = fake.protocols.handlers.get('layerflow');
  assert.ok(handle, 'no handler for layerflow:');
  const job = join(outdir, 'data', 'jobs', 'outputs', 'job-1');
  await symlink(join(outdir, 'data', 'secret.txt'), join(job, 'linked.txt'));
  await symlink(join(outdir, 'data'), join(job, 'linked-dir'));
  await writeFile(join(job, 'page.html'), '<script>parent.layerflowIpc</script>');
  for (const url of ['layerflow://files/job-1/linked.txt', 'layerflow://files/job-1/linked-dir/secret.txt']) {
    const r = await handle(new Request(url));
    assert.equal(r.status, 404, url);
    assert.ok(!(await r.text()).includes('secret'), url);
  }
  const page = await handle(new Request('layerflow://files/job-1/page.html'));
  assert.equal(page.headers.get('content-type'), 'application/octet-stream');
  assert.equal(page.headers.get('content-disposition'), 'attachment');
  assert.match(page.headers.get('content-security-policy') ?? '', /^sandbox/);
});

test('file params get the native dialog: a path from our page, nothing for a foreign frame', async () => {
  const pick = fake.ipcMain.handlers.get('layerflow:pick-path');
  assert.ok(pick, 'no pick-path handler');
  const clip = join(outdir, 'clip.mp4');
  await writeFile(clip, 'video bytes');
  fake.dialogs.nextPath = clip;
  const got = await pick({ senderFrame: { url: ownPage() } }, { folder: false, extensions: ['mp4', '../x', 'webm'] });
  assert.deepEqual(got, { path: clip });
  assert.deepEqual(fake.dialogs.opened.at(-1), {
    properties: ['openFile'],
    filters: [{ name: 'Media', extensions: ['mp4', 'webm'] }],
  });
  await pick({ senderFrame: { url: ownPage() } }, { folder: true });
  assert.deepEqual(fake.dialogs.opened.at(-1)?.properties, ['openDirectory']);
  const opened = fake.dialogs.opened.length;
  assert.equal(await pick({ senderFrame: { url: 'https://evil.example/' } }, {}), undefined);
  assert.equal(fake.dialogs.opened.length, opened, 'a foreign frame opens no dialog');
});

test('closing with unsaved workflows asks natively; only "Close without saving" lets it close', () => {
  const [listener] = fake.windows[0].webContents.listeners('will-prevent-unload');
  assert.ok(listener, 'no will-prevent-unload handler');
  let allowed = 0;
  fake.dialogs.nextButton = 1;
  listener({ preventDefault: () => allowed++ });
  assert.equal(allowed, 0, 'Cancel keeps the window');
  fake.dialogs.nextButton = 0;
  listener({ preventDefault: () => allowed++ });
  assert.equal(allowed, 1);
  assert.match(fake.dialogs.messages[0].message, /unsaved changes/);
});
