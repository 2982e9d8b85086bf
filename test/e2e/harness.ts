import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { StudioServices } from '../../api/services.ts';
import { HEADLESS_ARGS, headlessBrowser } from '../../cli/headless-browser.ts';
import { ensureRenderer } from '../../server/renderer-build.ts';
import { startServer } from '../../server/server.ts';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e');
const ROOT = join(import.meta.dirname, '..', '..');

export interface Harness {
  browser: Browser;
  page: Page;
  url: string;
  dataDir: string;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lf-e2e-'));
}

/** Headless Chromium on the studio's URL with its token; page errors fail the close. */
async function openBrowser(url: string): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({
    executablePath: (await headlessBrowser()).path,
    headless: true,
    args: HEADLESS_ARGS,
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && process.stderr.write(`[page] ${m.text()}\n`));
  await page.goto(url);
  await page.locator('.palette-item').first().waitFor();
  return { browser, page, errors };
}

function harness(
  opened: { browser: Browser; page: Page; errors: string[] },
  url: string,
  dataDir: string,
  stop: () => Promise<void>,
): Harness {
  const { browser, page, errors } = opened;
  return {
    browser,
    page,
    url,
    dataDir,
    shot: async (name) => void (await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) })),
    async close() {
      await page.screenshot({ path: join(ARTIFACTS, 'last.png') }).catch(() => undefined);
      await browser.close();
      await stop();
      await rm(dataDir, { recursive: true, force: true });
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    },
  };
}

/** The server in this process over the given services (e.g. the toy studio) on a random port. */
export async function openStudio(makeServices: (dataDir: string) => Promise<StudioServices>): Promise<Harness> {
  await ensureRenderer();
  await mkdir(ARTIFACTS, { recursive: true });
  const dataDir = await tempDataDir();
  const services = await makeServices(dataDir);
  const server = await startServer({ port: 0, dataDir, services });
  const url = `${server.url}?token=${server.token}`;
  return harness(await openBrowser(url), url, dataDir, async () => {
    await server.close();
    await services.close?.();
  });
}

/** Reads the line `layerflow serve` prints with its URL and token. */
function servedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`layerflow serve exited (${code}) before printing its URL:\n${err}`)),
    );
  });
}

/**
 * `layerflow serve` itself, as a user starts it (real engine, node packs and presets) over a temp data
 * folder; closing sends Ctrl-C and expects a clean exit.
 */
export async function openServe(): Promise<Harness> {
  await ensureRenderer();
  await mkdir(ARTIFACTS, { recursive: true });
  const dataDir = await tempDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), 'serve', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // 'Open output folder' runs this instead of the desktop's file manager.
    env: { ...process.env, LAYERFLOW_OPEN_FOLDER: 'true' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await servedUrl(child);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  return harness(await openBrowser(url), url, dataDir, async () => {
    child.kill('SIGINT');
    assert.equal(await exited, 0, 'Ctrl-C closes layerflow serve cleanly');
  });
}
