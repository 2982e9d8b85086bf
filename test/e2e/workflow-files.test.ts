import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Dialog, Page } from 'playwright-core';
import { CanvasDriver } from './canvas.ts';
import type { Harness } from './harness.ts';
import { openToyStudio, type ToyStudio } from './toy-studio.ts';

/**
 * Workflows in and out, and no silent loss: unsaved markers that survive a reload, closing asks, the
 * app's own save dialog, runs named by title and time, History's "Open workflow" and "Run again", and
 * opening the workflow a dropped manifest or workflow file holds.
 */

let h: Harness;
let page: Page;
let studio: ToyStudio;
/** Dialogs of the browser itself (prompt, confirm): the app must never need one. */
const browserDialogs: string[] = [];
/** Times leaving the page (reload, close) asked first. */
let leaveQuestions = 0;

before(async () => {
  ({ h, page, studio } = await openToyStudio());
  page.on('dialog', (d: Dialog) => {
    if (d.type() === 'beforeunload') {
      leaveQuestions++;
      void d.accept();
      return;
    }
    browserDialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
});
after(async () => h?.close());

const canvas = () => new CanvasDriver(page);
const activeTab = () => page.locator('.tab-bar .tab.active');
const outputsDir = () => join(h.dataDir, 'jobs', 'outputs');

test('unsaved changes are marked, leaving the page asks, the marks survive a reload, closing the tab asks', async () => {
  const c = canvas();
  await c.dropFromPalette('layerflow.layer-prompts');
  await activeTab().and(page.locator('[data-dirty]')).waitFor();
  await page.reload();
  assert.equal(leaveQuestions, 1, 'reloading with unsaved changes asked first');
  await page.locator('.palette-item').first().waitFor();
  await c.node('layer-prompts-1').waitFor();
  await activeTab().and(page.locator('[data-dirty]')).waitFor();
  await h.shot('30-unsaved-after-reload');
  await activeTab().getByRole('button', { name: 'Close Untitled' }).click();
  const ask = page.getByRole('dialog', { name: 'Close “Untitled”?' });
  await ask.waitFor();
  await h.shot('31-close-asks');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'detached' });
  await c.node('layer-prompts-1').waitFor();
});

test('saving asks for a name in the app’s own dialog, never the browser’s prompt', async () => {
  const c = canvas();
  const prompts = 'layer-prompts-1';
  await c.dangle(prompts, 'text', 'source');
  const sampler = await c.pick('toy.sampler');
  await c.dangle(sampler, 'latent', 'source');
  const decode = await c.pick('toy.decode');
  await c.dangle(decode, 'video', 'source');
  await c.pick('toy.save');
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+s');
  const dialog = page.getByRole('dialog', { name: 'Save workflow' });
  const name = dialog.getByLabel('Name');
  await name.fill('balls/bouncing');
  await dialog.locator('.field-error', { hasText: 'no slashes' }).waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Save' }).isDisabled(), true);
  await name.fill('bouncing ball');
  await h.shot('32-save-dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.tab.active[data-tab="bouncing ball"]:not([data-dirty])').waitFor();
  assert.deepEqual(browserDialogs, []);
  // Everything is saved now, so leaving the page does not ask, and the tab comes back clean.
  await page.reload();
  await canvas().node('save-1').waitFor();
  assert.equal(leaveQuestions, 1);
  await page.locator('.tab.active[data-tab="bouncing ball"]:not([data-dirty])').waitFor();
});

test('a run is named by title and time, in a <time>-<title> folder; History reopens and reruns it', async () => {
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.run-progress[data-status="finished"]').waitFor();
  const folders = await readdir(outputsDir());
  assert.equal(folders.length, 1);
  assert.match(folders[0], /^\d{8}-\d{6}-bouncing-ball$/);
  await page.getByRole('tab', { name: 'History' }).click();
  const row = page.locator('.job-list li[data-status="finished"]');
  await row.locator('.job-title', { hasText: 'bouncing ball' }).waitFor();
  assert.match((await row.locator('em').textContent()) ?? '', /\d{1,2}[:.]\d{2}/, 'the row shows when it ran');
  await h.shot('33-history');
  const tabs = await page.locator('.tab-bar .tab').count();
  await row.getByRole('button', { name: 'Open workflow' }).click();
  await page.locator('.tab-bar .tab').nth(tabs).waitFor();
  assert.equal(await activeTab().getAttribute('data-tab'), 'bouncing ball');
  await canvas().node('save-1').waitFor();
  assert.equal(await page.locator('.react-flow__node-lf').count(), 4);
  await page.locator('.job-list li').first().getByRole('button', { name: 'Run again' }).click();
  await page.locator('.job-list li[data-status="finished"]').nth(1).waitFor();
  assert.equal((await readdir(outputsDir())).length, 2, 'the rerun has a folder of its own');
});

test('a manifest.json or workflow file dropped on the canvas opens the workflow that made it', async () => {
  const [folder] = (await readdir(outputsDir())).sort();
  const manifest = await readFile(join(outputsDir(), folder, 'manifest.json'));
  const tabs = await page.locator('.tab-bar .tab').count();
  await canvas().dropFile('manifest.json', manifest, 'application/json');
  await page.locator('.tab-bar .tab').nth(tabs).waitFor();
  await canvas().node('sampler-1').waitFor();
  assert.deepEqual((await canvas().nodeIds()).sort(), ['decode-1', 'layer-prompts-1', 'sampler-1', 'save-1']);
  assert.equal(await activeTab().getAttribute('data-tab'), 'bouncing ball');
  await h.shot('34-dropped-manifest');
  await canvas().dropFile('notes.txt', new TextEncoder().encode('not a workflow'), 'text/plain');
  await page.locator('.toast-error', { hasText: 'notes.txt holds no LayerFlow workflow' }).waitFor();
  const workflow = JSON.parse(manifest.toString()).workflow;
  workflow.meta = { title: 'From disk' };
  await page.getByRole('button', { name: 'Open…' }).click();
  await page
    .getByLabel('Workflow file from disk')
    .setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(workflow)) });
  await page.locator('.tab.active[data-tab="From disk"]').waitFor();
  await canvas().node('decode-1').waitFor();
});
