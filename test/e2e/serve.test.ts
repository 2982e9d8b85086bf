import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { CanvasDriver } from './canvas.ts';
import { type Harness, openServe } from './harness.ts';

/** `layerflow serve` as a user starts it: the real engine, node packs and shipped presets. */

let h: Harness;
let page: Page;

before(async () => {
  h = await openServe();
  page = h.page;
});
after(async () => h?.close());

test('the text-to-layers preset opens as a graph laid out left to right and runs on the demo pack', async () => {
  await page.locator('.sidebar .switch button', { hasText: 'Presets' }).click();
  await page.locator('[data-preset="text-to-layers"]').getByRole('button', { name: 'Graph' }).click();
  const c = new CanvasDriver(page);
  await c.node('blend').waitFor();
  await c.fit();
  const xs = await Promise.all(
    ['prompts', 'sample', 'decode', 'blend'].map(async (id) => (await c.center(c.node(id))).x),
  );
  assert.ok(
    xs.every((x, i) => i === 0 || xs[i - 1] < x),
    `columns follow the data: ${xs}`,
  );
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.run-progress[data-status="finished"]').waitFor({ timeout: 240_000 });
  assert.equal(await page.locator('.node-runs tr[data-run-state="finished"]').count(), 12);
  await page.locator('.panel .switch button', { hasText: 'Outputs' }).click();
  const tracks = page.locator('.layer-viewer .track');
  await tracks.nth(3).waitFor();
  const names = await tracks.evaluateAll((els) => els.map((e) => e.getAttribute('data-track') ?? ''));
  assert.match(names.join(' '), /foreground.*alpha.*background.*blend/i, `layer order: ${names}`);
  await page.locator('.manifest').waitFor();
  // The demo clip's 16 frames, read from the videos' metadata, set the scrubber's range.
  await page.locator('.frame-no', { hasText: '1/16' }).waitFor();
  await page.getByRole('button', { name: 'Open output folder' }).click();
  const toast = page.locator('.toast', { hasText: 'Opened ' });
  await toast.waitFor();
  assert.match(
    (await toast.locator('.toast-text').textContent()) ?? '',
    /outputs[/\\]\d{8}-\d{6}-Text-to-layers[\w-]*$/,
    'names the run folder',
  );
  await h.shot('20-serve-text-to-layers');
});

/** The blend track's picture once its video has settled on `frame` (8 fps, as the viewer plays). */
async function blendAt(frame: number): Promise<PNG> {
  await page.locator('.layer-viewer .scrubber input[type="range"]').fill(String(frame));
  await page.locator('.frame-no', { hasText: `${frame + 1}/16` }).waitFor();
  await page.waitForFunction(
    (t) => {
      const v = document.querySelector<HTMLVideoElement>('.layer-viewer .track[data-track$="blend"] video');
      return !!v && !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - t) < 0.01;
    },
    frame / 8,
    { timeout: 10_000 },
  );
  const shot = await page.locator('.layer-viewer .track[data-track$="blend"] video').screenshot();
  return PNG.sync.read(shot);
}

test('scrubbing the layer viewer shows other frames: the pixels change, and come back', async () => {
  // The run above left its layers in the viewer; the demo clip's actor moves across the frame.
  const first = await blendAt(0);
  const later = await blendAt(12);
  const again = await blendAt(0);
  const diff = (a: PNG, b: PNG) => {
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
    return sum / a.data.length;
  };
  assert.equal(first.width, later.width);
  assert.ok(diff(first, later) > 1, `frame 13 differs from frame 1 (mean ${diff(first, later).toFixed(2)}/255)`);
  assert.ok(diff(first, again) < diff(first, later) / 4, 'scrubbing back shows frame 1 again');
  await h.shot('22-serve-scrubbed');
});

test('a saved video or PNG dropped on the canvas opens the workflow that made it', async () => {
  const [folder] = await readdir(join(h.dataDir, 'jobs', 'outputs'));
  const c = new CanvasDriver(page);
  const manifest = JSON.parse(await readFile(join(h.dataDir, 'jobs', 'outputs', folder, 'manifest.json'), 'utf8'));
  const seed = manifest.seeds.sample;
  assert.equal(typeof seed, 'number');
  for (const file of ['foreground.webm', 'blend.mp4', 'contact-sheet.png']) {
    const tabs = await page.locator('.tab-bar .tab').count();
    await c.dropFile(file, await readFile(join(h.dataDir, 'jobs', 'outputs', folder, file)));
    await page.locator('.tab-bar .tab').nth(tabs).waitFor();
    await c.node('sample').waitFor();
    assert.equal(await page.locator('.tab.active').getAttribute('data-tab'), manifest.title, file);
    assert.equal(await c.node('sample').locator('[data-param="seed"] input[type=number]').inputValue(), String(seed));
    await page.locator('.tab-bar .tab.active .tab-close').click();
    await page.getByRole('button', { name: "Don't save" }).click();
  }
  await h.shot('22-dropped-output');
});

test('every shipped preset opens as a graph whose nodes do not overlap and carry no other tab’s run states', async () => {
  await page.locator('.sidebar .switch button', { hasText: 'Presets' }).click();
  const names = await page.locator('[data-preset]').evaluateAll((els) => els.map((e) => e.getAttribute('data-preset')));
  assert.ok(names.length >= 6, `presets listed: ${names}`);
  const c = new CanvasDriver(page);
  for (const name of names) {
    await page.locator(`[data-preset="${name}"]`).getByRole('button', { name: 'Graph' }).click();
    await page.locator('.react-flow__node').first().waitFor();
    await c.fit();
    const badges = await page.locator('.react-flow__node .run-badge').count();
    assert.equal(badges, 0, `${name}: a fresh tab shows no run states (not another tab's run)`);
    const boxes = await page.locator('.react-flow__node').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { id: e.getAttribute('data-id'), x: r.x, y: r.y, r: r.right, b: r.bottom };
      }),
    );
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.r && b.x < a.r && a.y < b.b && b.y < a.b;
        assert.ok(!overlap, `${name}: nodes ${a.id} and ${b.id} overlap`);
      }
    }
    await h.shot(`21-preset-${name}`);
    await page.locator('.tab-bar .tab.active .tab-close').click();
  }
});
