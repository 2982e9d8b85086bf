import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defaultDataDir } from '../api/studio-paths.ts';
import { ensureRenderer } from '../server/renderer-build.ts';
import { startServer } from '../server/server.ts';

/**
 * `npm start`: opens the desktop app when Electron is installed, and otherwise says what is missing and
 * runs the same UI in the browser (the local server on 127.0.0.1).
 */

const root = join(import.meta.dirname, '..');

/** The Electron binary's path, or the reason it cannot be used. */
function findElectron(): { path: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  try {
    require.resolve('electron');
  } catch {
    return { missing: 'the electron package is not installed (it is an optional dependency)' };
  }
  try {
    const path = require('electron') as unknown; // throws when its binary was never downloaded
    if (typeof path === 'string' && existsSync(path)) return { path };
  } catch {}
  return {
    missing: 'the electron package is installed but its binary was not downloaded (.npmrc turns install scripts off)',
  };
}

/** Bundles the main, preload and engine-process scripts (TypeScript) to files Electron can load. */
async function buildShell(): Promise<string> {
  const { build } = await import('esbuild');
  const outdir = join(root, 'dist', 'electron');
  const common = {
    bundle: true,
    platform: 'node' as const,
    target: 'node20',
    external: ['electron', 'onnxruntime-node'],
    outdir,
  };
  await build({
    ...common,
    entryPoints: [join(root, 'electron', 'main.ts'), join(root, 'electron', 'engine-process.ts')],
    format: 'esm',
    outExtension: { '.js': '.mjs' },
  });
  await build({
    ...common,
    entryPoints: [join(root, 'electron', 'preload.ts')],
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  });
  return join(outdir, 'main.mjs');
}

async function browserMode(reason: string): Promise<void> {
  process.stderr.write(
    `Electron is not available: ${reason}.\n` +
      'To get the desktop app, download its binary with network access:  node node_modules/electron/install.js\n' +
      '(npm install electron first if the package is missing; behind a mirror, set ELECTRON_MIRROR=<url>)\n' +
      'Opening browser mode instead.\n',
  );
  await ensureRenderer();
  const server = await startServer({ port: Number(process.env.PORT ?? 0), dataDir: defaultDataDir() });
  process.stdout.write(`LayerFlow Studio is running at ${server.url}?token=${server.token}\nPress Ctrl+C to stop.\n`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const electron = findElectron();
  if ('missing' in electron) return browserMode(electron.missing);
  await ensureRenderer();
  const entry = await buildShell();
  const env = { ...process.env, LAYERFLOW_DATA: defaultDataDir() };
  const child = spawn(electron.path, [entry], { stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
}

await main();
