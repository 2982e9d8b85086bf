import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
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
