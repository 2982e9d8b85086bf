import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
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

test('a shipped preset opens as a graph laid out left to right and runs on the real engine', async () => {
  await page.locator('.sidebar .switch button', { hasText: 'Presets' }).click();
  await page.locator('[data-preset="toy-add"]').getByRole('button', { name: 'Graph' }).click();
  const c = new CanvasDriver(page);
  await c.node('save').waitFor();
  await c.fit();
  const xs = await Promise.all(['a', 'sum', 'save'].map(async (id) => (await c.center(c.node(id))).x));
  assert.ok(xs[0] < xs[1] && xs[1] < xs[2], `columns follow the data: ${xs}`);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.run-progress[data-status="finished"]').waitFor();
  assert.equal(await page.locator('.node-runs tr[data-run-state="finished"]').count(), 4);
  await page.locator('.panel .switch button', { hasText: 'Outputs' }).click();
  await page.locator('.manifest').waitFor();
  await page.locator('.output-files a', { hasText: 'sum.txt' }).waitFor();
  await h.shot('20-serve-preset-run');
});
