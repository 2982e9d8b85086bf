import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CanvasDriver } from './canvas.ts';
import { contrastRatio } from './contrast.ts';
import type { Harness } from './harness.ts';
import { openToyStudio, type ToyStudio, toyWorkflow, workflowFile } from './toy-studio.ts';

/**
 * Runs that tell the truth: the overall bar weighs the slow sampler as slow, a run that saved nothing
 * says so, and the Outputs tracks are named after the save node and on a checkerboard only with alpha.
 */

let h: Harness;
let page: Page;
let studio: ToyStudio;

before(async () => ({ h, page, studio } = await openToyStudio()));
after(async () => h?.close());

const canvas = () => new CanvasDriver(page);
const node = (id: string) => canvas().node(id);

const WORKFLOW = toyWorkflow('honest', {
  'sampler-1': { params: { steps: 12 } },
  'save-1': { title: 'Ball layers' },
});

/** The overall bar's width, in per cent. */
async function overallBar(): Promise<number> {
  const width = await page.locator('.run-progress .progress > div').evaluate((e) => (e as HTMLElement).style.width);
  return Number.parseFloat(width);
}

test('the overall bar weighs a 12-step sampler as most of the run, not as one node of four', async () => {
  await canvas().dropFile('honest.json', workflowFile(WORKFLOW), 'application/json');
  await node('save-1').waitFor();
  studio.hold(true);
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page.locator('.panel .switch button', { hasText: 'Run' }).click();
  // Layer Prompts is done and the sampler waits before its first step.
  await page.locator('.node-runs tr[data-node-id="layer-prompts-1"][data-run-state="finished"]').waitFor();
  await page.locator('.node-runs tr[data-node-id="sampler-1"][data-run-state="running"]').waitFor();
  const early = await overallBar();
  await h.shot('50-weighted-progress');
  // Counting nodes would say 1 of 2 seen (50 %) or 1 of 4 (25 %); by expected time it is 1 s of 15 s.
  assert.ok(early < 15, `overall bar at ${early} % with only the prompts done`);
  studio.hold(false);
  await page.locator('.run-progress[data-status="finished"]').waitFor();
  assert.equal(await overallBar(), 100);
  assert.equal(await page.locator('.run-progress[data-saved="nothing"]').count(), 0, 'this run saved its layers');
});

test('Outputs tracks are named by the save node title; only the file with alpha sits on a checkerboard', async () => {
  await page.locator('.panel .switch button', { hasText: 'Outputs' }).click();
  const tracks = page.locator('.layer-viewer .track');
  await tracks.nth(3).waitFor();
  assert.deepEqual(await tracks.locator('figcaption').allTextContents(), [
    'Ball layers · foreground',
    'Ball layers · alpha',
    'Ball layers · background',
    'Ball layers · blend',
  ]);
  // The toy foreground is a cut-out (alpha 0 around the ball); its alpha matte is an opaque picture.
  const checkered = await tracks.evaluateAll((els) => els.map((e) => e.classList.contains('checker')));
  assert.deepEqual(checkered, [true, false, false, false]);
  await h.shot('51-titled-tracks');
});

test('a run that saved nothing says so instead of just "finished"', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await node('decode-1').locator('header .title').click();
  await node('decode-1').locator('.lf-node.selected').waitFor();
  // Run to selected: up to the decoder, so no save node runs.
  await page.keyboard.press('Control+Shift+Enter');
  await page.locator('.panel .switch button', { hasText: 'Run' }).click();
  const progress = page.locator('.run-progress[data-status="finished"][data-saved="nothing"]');
  await progress.waitFor();
  assert.match((await progress.locator('.status').textContent()) ?? '', /nothing saved/);
  assert.match(
    (await progress.locator('.job-warning').textContent()) ?? '',
    /nothing was saved: no Save node ran \(add Save Video or Save Image\)/,
  );
  await h.shot('52-saved-nothing');
});

test('History rows say which run saved nothing; "Run again" and "Open workflow" still work on them', async () => {
  await page.getByRole('tab', { name: 'History' }).click();
  const rows = page.locator('.job-list li[data-status="finished"]');
  await rows.nth(1).waitFor();
  // Newest first: the run up to the decoder saved nothing, the full run before it saved its layers.
  assert.equal(await rows.nth(0).locator('.status').textContent(), 'finished · nothing saved');
  assert.equal(await rows.nth(0).getAttribute('data-saved'), 'nothing');
  assert.equal(await rows.nth(1).locator('.status').textContent(), 'finished');
  await h.shot('53-history-saved-nothing');
  await rows.nth(0).getByRole('button', { name: 'Run again' }).click();
  // The rerun keeps its targets, so it too saves nothing, and says so.
  await page.locator('.job-list li[data-saved="nothing"]').nth(1).waitFor();
  assert.equal(await rows.count(), 3);
  assert.equal(await rows.nth(0).locator('.status').textContent(), 'finished · nothing saved');
  const tabs = await page.locator('.tab-bar .tab').count();
  await rows.nth(0).getByRole('button', { name: 'Open workflow' }).click();
  await page.locator('.tab-bar .tab').nth(tabs).waitFor();
  await node('save-1').waitFor();
  assert.equal(await page.locator('.react-flow__node-lf').count(), 4);
});

test('in light and dark, "Open output folder" reads clearly, hovered or not, and looks unlike a disabled button', async () => {
  await page.locator('.panel .switch button', { hasText: 'Outputs' }).click();
  const open = page.getByRole('button', { name: 'Open output folder' });
  const redo = page.getByRole('button', { name: 'Redo' });
  assert.equal(await redo.isDisabled(), true, 'nothing undone: Redo is disabled');
  assert.equal(await open.isDisabled(), false);
  const look = (button: typeof open) =>
    button.evaluate((e) => {
      const s = getComputedStyle(e);
      return { color: s.color, background: s.backgroundColor, opacity: Number(s.opacity) };
    });
  const wasLight = await page.evaluate(() => matchMedia('(prefers-color-scheme: light)').matches);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.mouse.move(1, 1);
    const rest = await look(open);
    await open.hover();
    const hovered = await look(open);
    await h.shot(`54-open-folder-hovered-${scheme}`);
    for (const [state, l] of Object.entries({ rest, hovered })) {
      const ratio = contrastRatio(l.color, l.background);
      assert.ok(
        ratio >= 4.5,
        `${scheme}, ${state}: text ${l.color} on ${l.background} has contrast ${ratio.toFixed(2)}`,
      );
      assert.equal(l.opacity, 1, `${scheme}, ${state}: an enabled button is not faded`);
    }
    assert.ok((await look(redo)).opacity <= 0.5, `${scheme}: a disabled button is faded`);
  }
  await page.emulateMedia({ colorScheme: wasLight ? 'light' : 'dark' });
});
