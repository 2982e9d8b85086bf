import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type OpenDialog, pickPath } from '../../electron/pick-path.ts';
import { CanvasDriver } from './canvas.ts';
import { type Harness, openServe } from './harness.ts';

/**
 * Own footage in browser mode on `layerflow serve`: the decompose preset's Load Video takes a file
 * picked on this computer (uploaded into the server's input folder), shows its thumbnail, frames, size
 * and fps on the node and the link, states the resize into the pack, and the results warn that the
 * demo pack never saw this footage.
 */

let h: Harness;
let page: Page;
let c: CanvasDriver;
let clip: Buffer;
let work = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lf-footage-'));
  const made = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x54:rate=8:duration=3', 'clip.mp4'],
    {
      cwd: work,
    },
  );
  assert.equal(made.status, 0, String(made.stderr));
  clip = await readFile(join(work, 'clip.mp4'));
  h = await openServe();
  page = h.page;
  c = new CanvasDriver(page);
});
after(async () => {
  await h?.close();
  await rm(work, { recursive: true, force: true });
});

test('a picked video is uploaded, and its frames, size and fps show on the node and its link', async () => {
  await page.getByRole('tab', { name: 'Presets' }).click();
  await page.locator('[data-preset="decompose"]').getByRole('button', { name: 'Graph' }).click();
  await c.node('input').waitFor();
  await c.fit();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose Load Video · File' }).click();
  await (await chooser).setFiles({ name: 'my clip.mp4', mimeType: 'video/mp4', buffer: clip });
  const path = c.node('input').getByLabel('Load Video · File', { exact: true });
  await page.waitForFunction(
    (el) => (el as HTMLInputElement).value.endsWith('my clip.mp4'),
    await path.elementHandle(),
  );
  assert.equal(await path.inputValue(), join(h.dataDir, 'inputs', 'my clip.mp4'));
  assert.deepEqual(await readFile(await path.inputValue()), clip, 'the server holds the very bytes');
  const facts = c.node('input').locator('[data-media] figcaption');
  await facts.filter({ hasText: '24 frames · 96×54 · 8 fps' }).waitFor();
  assert.ok(await c.node('input').locator('[data-media] img').getAttribute('src'), 'a thumbnail');
  await page.locator('.react-flow__edge-text', { hasText: '24f 96×54 RGB @8fps' }).waitFor();
  await h.shot('40-footage-on-node');
});

test('the resize into the pack is stated with its fit, and the demo pack warns it never saw this footage', async () => {
  const decompose = c.node('decompose');
  await decompose
    .locator('[data-param="fit"] [data-note="info"]', { hasText: 'resized 96×54 → 64×64 (crop)' })
    .waitFor();
  await decompose.getByLabel('Decompose Video (macro) · Fit to the pack size').selectOption('pad');
  await decompose.locator('[data-note="info"]', { hasText: 'resized 96×54 → 64×64 (pad)' }).waitFor();
  await decompose.locator('[data-note="info"]', { hasText: 'uses the first 16 of 24 frames' }).waitFor();
  await decompose.locator('[data-note="warning"]', { hasText: 'demo pack knows only its built-in library' }).waitFor();
  await h.shot('41-footage-resize-note');
});

test('results made from it carry the demo-pack warning', async () => {
  await c
    .node('decompose')
    .getByLabel(/^Decompose Video \(macro\) · Steps/)
    .fill('2');
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.run-progress[data-status="finished"]').waitFor({ timeout: 240_000 });
  await page.getByRole('tab', { name: 'Outputs' }).click();
  await page.locator('.result-warnings', { hasText: 'demo pack knows only its built-in library' }).waitFor();
  await page.locator('.layer-viewer .track').first().waitFor();
  await h.shot('42-footage-results-warning');
});

test('in the desktop app "Choose…" uses the native dialog: a chosen file sets the path, cancel and a refused file change nothing', async () => {
  // The main process's handler itself, behind the page's desktop bridge, over a dialog that answers as told.
  let answer: string | undefined;
  const asked: Parameters<OpenDialog['showOpenDialog']>[1][] = [];
  const dialog: OpenDialog = {
    async showOpenDialog(_window, opts) {
      asked.push(opts);
      return answer ? { canceled: false, filePaths: [answer] } : { canceled: true, filePaths: [] };
    },
  };
  await page.exposeFunction('pickPathInMain', (request: unknown) => pickPath(dialog, undefined, request));
  // A string, not a function: tsx would wrap inner arrow functions in a helper the page lacks.
  await page.evaluate(`window.layerflowDesktop = { pickPath: (request) => window.pickPathInMain(request) }`);
  const choose = page.getByRole('button', { name: 'Choose Load Video · File' });
  const path = c.node('input').getByLabel('Load Video · File', { exact: true });
  const chosen = join(work, 'clip.mp4');
  answer = chosen;
  await choose.click();
  await page.waitForFunction(([el, want]) => (el as HTMLInputElement).value === want, [
    await path.elementHandle(),
    chosen,
  ] as const);
  assert.equal(await path.inputValue(), chosen);
  assert.deepEqual(asked[0].properties, ['openFile']);
  assert.ok(asked[0].filters?.[0].extensions.includes('mp4'), 'the dialog offers the field’s video kinds');
  await c.node('input').locator('[data-media] figcaption').filter({ hasText: '24 frames · 96×54 · 8 fps' }).waitFor();
  // Cancelled, then a text file typed past the filter: the second answer's toast comes after the first's none.
  answer = undefined;
  await choose.click();
  const notes = join(work, 'notes.txt');
  await writeFile(notes, 'not a video');
  answer = notes;
  await choose.click();
  const refused = page.locator('.toast-error', { hasText: 'Load Video · File:' });
  await refused.waitFor();
  const said = (await refused.textContent()) ?? '';
  assert.ok(said.includes(`“${notes}” is not a file it reads (`), said);
  assert.equal(asked.length, 3);
  assert.equal(await path.inputValue(), chosen, 'neither the cancel nor the refused file changed the path');
  await h.shot('43-desktop-picker-refused');
});
