import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import which from 'which';

/**
 * The Chromium that the end-to-end tests, the editor benchmark and `layerflow doctor` use: `CHROMIUM`
 * when set, else a system Chromium or Chrome on PATH, else the headless build that the
 * `@sparticuz/chromium` dev dependency ships inside its npm tarball (unpacked into the temp folder on
 * first use, ~10 s). playwright-core drives whichever it is.
 */

export interface HeadlessBrowser {
  path: string;
  source: 'CHROMIUM' | 'system' | '@sparticuz/chromium';
}

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const PACKAGE = '@sparticuz/chromium';

/** Launch flags for headless runs in containers and CI (no sandbox, no GPU, nothing fetched). */
export const HEADLESS_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

/** CHROMIUM, else a system browser on PATH (without unpacking anything); undefined when neither. */
export function installedBrowser(env: Record<string, string | undefined> = process.env): HeadlessBrowser | undefined {
  if (env.CHROMIUM) return { path: env.CHROMIUM, source: 'CHROMIUM' };
  if (!env.PATH) return undefined;
  for (const name of SYSTEM_NAMES) {
    const path = which.sync(name, { nothrow: true, path: env.PATH });
    if (path) return { path, source: 'system' };
  }
  return undefined;
}

/** The packaged browser's version, or why it is not there (it is a dev dependency). */
export function packagedBrowser(): { version: string } | { problem: string } {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(PACKAGE));
  } catch {
    return { problem: `${PACKAGE} is not installed (a dev dependency: run npm install in the project)` };
  }
  // its exports hide package.json: find it above the entry point
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    const { name, version } = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version: string };
    if (name === PACKAGE) return { version };
  }
  return { version: 'unknown' };
}

/** The browser to launch, unpacking the packaged one when nothing else is there. */
export async function headlessBrowser(): Promise<HeadlessBrowser> {
  const installed = installedBrowser();
  if (installed) return installed;
  const packaged = packagedBrowser();
  if ('problem' in packaged) {
    throw new Error(`no Chromium: set CHROMIUM, install chromium or Chrome, or ${packaged.problem}`);
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  return { path: await chromium.executablePath(), source: PACKAGE };
}
