import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CanvasDriver } from './canvas.ts';
import type { Harness } from './harness.ts';
import { openToyStudio, type ToyStudio } from './toy-studio.ts';

let h: Harness;
let page: Page;
let studio: ToyStudio;

before(async () => ({ h, page, studio } = await openToyStudio()));
after(async () => h?.close());

const canvas = () => new CanvasDriver(page);
const node = (id: string) => canvas().node(id);

test('build text → sampler → decode → save from an empty canvas by dragging and connecting', async () => {
  const c = canvas();
  const prompts = await c.dropFromPalette('layerflow.layer-prompts');
  assert.equal(prompts, 'layer-prompts-1');
  // A dangling link dropped on empty canvas offers only nodes that take a LayerText.
  assert.deepEqual(await c.dangle(prompts, 'text', 'source'), ['toy.sampler']);
  await h.shot('01-connect-menu');
  const sampler = await c.pick('toy.sampler');
  assert.deepEqual(await c.dangle(sampler, 'latent', 'source'), ['toy.decode']);
  const decode = await c.pick('toy.decode');
  assert.deepEqual(await c.dangle(decode, 'video', 'source'), ['toy.save']);
  const save = await c.pick('toy.save');
  assert.deepEqual([sampler, decode, save], ['sampler-1', 'decode-1', 'save-1']);
  await c.fit();
  assert.equal(await page.locator('.react-flow__edge').count(), 3);
  // Edges carry the inferred shape.
  await page.locator('.react-flow__edge-text', { hasText: '4 layers × 3 latent f 8×8' }).waitFor();
  await h.shot('02-graph-built');
});

test('an incompatible link is refused with its reason', async () => {
  const c = canvas();
  assert.equal(await c.dropFromPalette('toy.clip'), 'clip-1');
  await c.link(['clip-1', 'video'], ['sampler-1', 'text']);
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
  await canvas().fit();
});

test('validation errors are painted on the node and field before running', async () => {
  const fg = node('layer-prompts-1').locator('[data-param="foreground"] textarea');
  await fg.fill('');
  await node('layer-prompts-1')
    .locator('[data-param="foreground"].has-error .field-error', { hasText: 'foreground prompt is empty' })
    .waitFor();
  await h.shot('04-field-error');
  await fg.fill('a red ball bouncing');
  await node('layer-prompts-1').locator('[data-param="foreground"].has-error').waitFor({ state: 'detached' });
});

test('a run shows progress, previews, and every layer in the viewer', async () => {
  studio.hold(true);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await node('sampler-1').locator('.run-badge[data-run-state="running"]').waitFor();
  await h.shot('05-running');
  studio.hold(false);
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
  await dialog.locator('input[name="preset-title"]').fill('Bouncing ball');
  await dialog.getByLabel('Layer Prompts · Foreground').check();
  await dialog.getByLabel('Toy Sampler · seed').check();
  await h.shot('07-save-preset');
  await dialog.getByRole('button', { name: 'Save preset' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.sidebar .switch button', { hasText: 'Presets' }).click();
  const item = page.locator('[data-preset="bouncing-ball"]');
  await item.locator('strong', { hasText: 'Bouncing ball' }).waitFor();
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
  studio.hold(true);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.panel .switch button', { hasText: 'Run' }).click();
  await page.locator('.run-progress[data-status="running"]').waitFor();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('.run-progress[data-status="cancelled"]').waitFor();
  studio.hold(false);
  await page.locator('.panel .switch button', { hasText: 'History' }).click();
  await page.locator('.job-list li[data-status="cancelled"]').waitFor();
  await page.locator('.job-list li[data-status="finished"]').waitFor();
  await h.shot('09-cancelled');
});
