import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningServer, startServer } from '../../server/server.ts';
import { type ToyStudio, tempDataDir, toyStudio } from './toy-studio.ts';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e');
const ROOT = join(import.meta.dirname, '..', '..');

export interface Harness {
  browser: Browser;
  page: Page;
  server: RunningServer;
  studio: ToyStudio;
  dataDir: string;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds the renderer once per run (skipped when dist/renderer is newer than its sources). */
async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { sourcemap: false } });
}

/** A server on a random port over a temp data dir, and a headless Chromium page logged in with its token. */
export async function openStudio(): Promise<Harness> {
  if (!process.env.LAYERFLOW_E2E_PREBUILT) await buildRenderer();
  await mkdir(ARTIFACTS, { recursive: true });
  const dataDir = await tempDataDir();
  const studio = await toyStudio(dataDir);
  const server = await startServer({ port: 0, dataDir, services: studio });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && process.stderr.write(`[page] ${m.text()}\n`));
  await page.goto(`${server.url}?token=${server.token}`);
  await page.locator('.palette-item').first().waitFor();
  return {
    browser,
    page,
    server,
    studio,
    dataDir,
    shot: async (name) => void (await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) })),
    async close() {
      await page.screenshot({ path: join(ARTIFACTS, 'last.png') });
      await browser.close();
      await server.close();
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    },
  };
}
