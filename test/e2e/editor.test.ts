import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { type Harness, openStudio } from './harness.ts';

let h: Harness;
let page: Page;

before(async () => {
  h = await openStudio();
  page = h.page;
});
after(async () => h?.close());

const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const handle = (id: string, port: string, side: 'source' | 'target') =>
  node(id).locator(`.react-flow__handle.${side}[data-handleid="${port}"]`);

async function center(l: Locator): Promise<{ x: number; y: number }> {
  const b = await l.boundingBox();
  assert.ok(b, 'element is on screen');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Drags with the mouse in small steps, as React Flow's pointer handlers need. */
async function drag(from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

async function dropFromPalette(type: string, x: number, y: number): Promise<void> {
  const canvas = await page.locator('.react-flow__pane').boundingBox();
  assert.ok(canvas);
  await page
    .locator(`.palette-item[data-node-type="${type}"]`)
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
}

test('build text → sampler → decode → save from an empty canvas by dragging and connecting', async () => {
  await dropFromPalette('toy.prompts', 60, 120);
  await node('prompts-1').waitFor();
  // A dangling link dropped on empty canvas offers only nodes that take a LayerText.
  const out = await center(handle('prompts-1', 'text', 'source'));
  await drag(out, { x: out.x + 220, y: out.y + 40 });
  const menu = page.locator('.connect-menu');
  await menu.waitFor();
  assert.deepEqual(
    await menu.locator('[role=menuitem]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-type'))),
    ['toy.sampler'],
  );
  await h.shot('01-connect-menu');
  await menu.locator('[data-node-type="toy.sampler"]').click();
  await node('sampler-1').waitFor();
  await page.locator('.react-flow__edge').first().waitFor();

  await page.locator('.react-flow__controls-fitview').click();
  const s = await center(handle('sampler-1', 'latent', 'source'));
  await drag(s, { x: s.x + 160, y: s.y + 120 });
  await menu.locator('[data-node-type="toy.decode"]').click();
  await node('decode-1').waitFor();
  await page.locator('.react-flow__controls-fitview').click();
  const d = await center(handle('decode-1', 'video', 'source'));
  await drag(d, { x: d.x + 60, y: d.y + 150 });
  await menu.locator('[data-node-type="toy.save"]').click();
  await node('save-1').waitFor();
  await page.locator('.react-flow__controls-fitview').click();
  assert.equal(await page.locator('.react-flow__edge').count(), 3);
  // Edges carry the inferred shape.
  await page.locator('.react-flow__edge-text', { hasText: '4 layers × 3 latent f 8×8' }).waitFor();
  await h.shot('02-graph-built');
});

test('an incompatible link is refused with its reason', async () => {
  await dropFromPalette('toy.clip', 40, 40);
  await node('clip-1').waitFor();
  await page.locator('.react-flow__controls-fitview').click();
  await drag(await center(handle('clip-1', 'video', 'source')), await center(handle('sampler-1', 'text', 'target')));
  const t = page.locator('.toast-error', { hasText: 'Link refused' });
  await t.waitFor();
  assert.match((await t.textContent()) ?? '', /a Video output cannot feed a LayerText input/);
  assert.equal(await page.locator('.react-flow__edge').count(), 3);
  await h.shot('03-refused-link');
});

test('undo and redo step through edits', async () => {
  assert.equal(await page.locator('.lf-node').count(), 5);
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await page.locator('.lf-node').nth(4).waitFor({ state: 'detached' });
  assert.equal(await page.locator('.lf-node').count(), 4);
  await page.keyboard.press('Control+Shift+z');
  await node('clip-1').waitFor();
  await node('clip-1').locator('header').click();
  await page.keyboard.press('Delete');
  await node('clip-1').waitFor({ state: 'detached' });
});

test('validation errors are painted on the node and field before running', async () => {
  const fg = node('prompts-1').locator('[data-param="foreground"] textarea');
  await fg.fill('');
  await node('prompts-1')
    .locator('[data-param="foreground"].has-error .field-error', { hasText: 'foreground prompt is empty' })
    .waitFor();
  await h.shot('04-field-error');
  await fg.fill('a red ball bouncing');
  await node('prompts-1').locator('[data-param="foreground"].has-error').waitFor({ state: 'detached' });
});

test('a run shows progress, previews, and every layer in the viewer', async () => {
  h.studio.hold(true);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await node('sampler-1').locator('.run-badge[data-run-state="running"]').waitFor();
  await h.shot('05-running');
  h.studio.hold(false);
  await page.locator('.run-progress[data-status="finished"]').waitFor();
  await node('sampler-1').locator('.previews img').first().waitFor();
  await page.locator('.panel .switch button', { hasText: 'Outputs' }).click();
  const tracks = page.locator('.layer-viewer .track');
  await tracks.nth(3).waitFor();
  assert.deepEqual(await tracks.evaluateAll((els) => els.map((e) => e.getAttribute('data-track'))), [
    'foreground',
    'alpha',
    'background',
    'blend',
  ]);
  await page.locator('.scrubber input[type=range]').fill('2');
  assert.equal(await page.locator('.frame-no').textContent(), '3/4');
  await page.locator('.manifest').waitFor();
  await h.shot('06-layers');
});

test('save the workflow as a preset with a form and reopen it', async () => {
  await page.getByRole('button', { name: 'Save as preset…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Save as preset' });
  await dialog.locator('input[name="preset-name"]').fill('bouncing-ball');
  await dialog.getByLabel('Toy Prompts · Foreground').check();
  await dialog.getByLabel('Toy Sampler · seed').check();
  await h.shot('07-save-preset');
  await dialog.getByRole('button', { name: 'Save preset' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.sidebar .switch button', { hasText: 'Presets' }).click();
  const item = page.locator('[data-preset="bouncing-ball"]');
  await item.getByRole('button', { name: 'Form' }).click();
  const form = page.locator('.preset-form');
  await form.waitFor();
  assert.equal(await form.locator('[data-param="foreground"] textarea').inputValue(), 'a red ball bouncing');
  assert.equal(await form.locator('.param').count(), 2);
  await h.shot('08-preset-form');
  await form.getByRole('button', { name: 'Show graph' }).click();
  await node('sampler-1').waitFor();
});

test('a running job can be cancelled', async () => {
  h.studio.hold(true);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.panel .switch button', { hasText: 'Run' }).click();
  await page.locator('.run-progress[data-status="running"]').waitFor();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('.run-progress[data-status="cancelled"]').waitFor();
  h.studio.hold(false);
  await page.locator('.panel .switch button', { hasText: 'History' }).click();
  await page.locator('.job-list li[data-status="cancelled"]').waitFor();
  await page.locator('.job-list li[data-status="finished"]').waitFor();
  await h.shot('09-cancelled');
});
