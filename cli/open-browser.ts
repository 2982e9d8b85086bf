import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENER: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: ['open'],
  win32: ['cmd', '/c', 'start', '""'],
};

/**
 * A page only this user can read that sends the browser on to `url`. The opener gets this file's path,
 * never the URL: a command line is visible to every process on the machine (`ps`), and the URL holds
 * the token (the way Jupyter opens its server). Returns the file and how to remove it.
 */
export async function launchPage(url: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'layerflow-open-'));
  const path = join(dir, 'open.html');
  const href = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const html = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>LayerFlow Studio</title><a href="${href}">Open LayerFlow Studio</a>\n`;
  await writeFile(path, html, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Opens the studio in the desktop's browser through a launch page; a failure only costs the convenience,
 * so it is reported, not thrown. Returns the function that removes the launch page.
 */
export async function openBrowser(url: string, say: (line: string) => void): Promise<() => Promise<void>> {
  const page = await launchPage(url);
  const [command, ...args] = [...(OPENER[process.platform] ?? ['xdg-open']), page.path];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => say(`could not open a browser (${err.message}); open the URL above yourself`));
  child.unref();
  return page.remove;
}
