import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CanvasDriver, type XY } from './canvas.ts';
import type { Harness } from './harness.ts';
import { openToyStudio, toyWorkflow, workflowFile } from './toy-studio.ts';

/** What ComfyUI users do without thinking: link deletion, right-click menus, bypass/mute, duplicate, paste with links, search. */

let h: Harness;
let page: Page;

before(async () => ({ h, page } = await openToyStudio()));
after(async () => h?.close());

const canvas = () => new CanvasDriver(page);
const node = (id: string) => canvas().node(id);
const linkCount = () => page.locator('.react-flow__edge').count();

const WORKFLOW = toyWorkflow('habits', {
  'layer-prompts-1': { params: { foreground: 'a red ball', background: 'grass' } },
});

/** The middle of a link's drawn path on screen, where a person clicks it. */
async function linkMiddle(id: string): Promise<XY> {
  // A string, not a function: tsx would wrap inner arrow functions in a helper the page lacks.
  return page.evaluate(`(() => {
    const path = document.querySelector('.react-flow__edge[data-id="${id}"] path.react-flow__edge-path');
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM();
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  })()`);
}

async function selectOnly(id: string): Promise<void> {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await node(id).locator('header .title').click();
  await node(id).locator('.lf-node.selected').waitFor();
}

test('a workflow to work on', async () => {
  await canvas().dropFile('habits.json', workflowFile(WORKFLOW), 'application/json');
  await node('save-1').waitFor();
  await canvas().fit();
  assert.equal(await linkCount(), 3);
});

test('a link is selected by clicking it and deleted with Delete; undo brings it back', async () => {
  const at = await linkMiddle('save-1:video');
  await page.mouse.click(at.x, at.y);
  await page.locator('.react-flow__edge.selected[data-id="save-1:video"]').waitFor();
  await page.keyboard.press('Delete');
  await page.locator('.react-flow__edge[data-id="save-1:video"]').waitFor({ state: 'detached' });
  assert.equal(await linkCount(), 2);
  assert.equal(await page.locator('.lf-node').count(), 4, 'deleting a link deletes no node');
  await page.keyboard.press('Control+z');
  await page.locator('.react-flow__edge[data-id="save-1:video"]').waitFor();
});

test('a link dragged off its input and dropped on empty canvas is removed', async () => {
  const c = canvas();
  const from = await c.center(c.handle('save-1', 'video', 'target'));
  await c.drag(from, { x: from.x, y: from.y + 220 });
  await page.locator('.react-flow__edge[data-id="save-1:video"]').waitFor({ state: 'detached' });
  assert.equal(await page.locator('.connect-menu').count(), 0, 'no menu: the link was let go');
  await page.keyboard.press('Control+z');
  await page.locator('.react-flow__edge[data-id="save-1:video"]').waitFor();
});

test('right-click menus on a link, a node and the canvas', async () => {
  const at = await linkMiddle('decode-1:latent');
  await page.mouse.click(at.x, at.y, { button: 'right' });
  const linkMenu = page.getByRole('menu', { name: 'Link' });
  await h.shot('40-link-menu');
  await linkMenu.getByRole('menuitem', { name: 'Delete link' }).click();
  await page.locator('.react-flow__edge[data-id="decode-1:latent"]').waitFor({ state: 'detached' });
  await page.keyboard.press('Control+z');
  await page.locator('.react-flow__edge[data-id="decode-1:latent"]').waitFor();

  await node('sampler-1').locator('header .title').click({ button: 'right' });
  const nodeMenu = page.getByRole('menu', { name: 'Node' });
  assert.deepEqual(await nodeMenu.getByRole('menuitem').allInnerTexts(), [
    'Bypass\nCtrl+B',
    'Mute\nCtrl+M',
    'Duplicate\nCtrl+D',
    'Copy\nCtrl+C',
    'Group\nCtrl+G',
    'Delete\nDel',
  ]);
  await h.shot('41-node-menu');
  await page.keyboard.press('Escape');
  await nodeMenu.waitFor({ state: 'detached' });

  await page.locator('.react-flow__pane').click({ button: 'right', position: { x: 60, y: 60 } });
  const paneMenu = page.getByRole('menu', { name: 'Canvas' });
  await paneMenu.getByRole('menuitem', { name: /Add node/ }).click();
  await page.getByRole('textbox', { name: 'Search nodes…' }).waitFor();
  await page.keyboard.press('Escape');
});

test('Ctrl+B bypasses a node that can pass its input on, and refuses one that cannot, saying why', async () => {
  await selectOnly('decode-1');
  await page.keyboard.press('Control+b');
  const refusal = page.locator('.toast-error', { hasText: 'Bypass refused' });
  await refusal.waitFor();
  assert.match(
    (await refusal.textContent()) ?? '',
    /decode-1\) has no connected LayeredVideo input to pass on as its "video" output/,
  );
  assert.equal(await node('decode-1').locator('.lf-node').getAttribute('data-mode'), null);
  // Nothing reads Save's outputs, so it can be bypassed (it then writes nothing); Ctrl+B again undoes it.
  await selectOnly('save-1');
  await page.keyboard.press('Control+b');
  await node('save-1').locator('.lf-node[data-mode="bypass"] .mode-badge', { hasText: 'bypassed' }).waitFor();
  await h.shot('42-bypassed');
  await node('save-1').locator('header .title').click({ button: 'right' });
  await page
    .getByRole('menu', { name: 'Node' })
    .getByRole('menuitem', { name: /Run again \(un-bypass\)/ })
    .click();
  await node('save-1').locator('.lf-node:not([data-mode])').waitFor();
});

test('Ctrl+M mutes a node and Ctrl+M again brings it back', async () => {
  await selectOnly('sampler-1');
  await page.keyboard.press('Control+m');
  await node('sampler-1').locator('.lf-node[data-mode="mute"] .mode-badge', { hasText: 'muted' }).waitFor();
  await h.shot('43-muted');
  await page.keyboard.press('Control+m');
  await node('sampler-1').locator('.lf-node:not([data-mode])').waitFor();
});

test('Ctrl+D duplicates without links; Ctrl+C then Ctrl+Shift+V keeps the links from outside', async () => {
  await selectOnly('decode-1');
  await page.keyboard.press('Control+d');
  await node('decode-2').waitFor();
  assert.equal(await linkCount(), 3, 'a duplicate has no links');
  assert.equal(await node('decode-2').locator('.lf-node.selected').count(), 1, 'the copy is selected');
  await selectOnly('decode-1');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+Shift+v');
  await node('decode-3').waitFor();
  await page.locator('.react-flow__edge[data-id="decode-3:latent"]').waitFor();
  assert.equal(await linkCount(), 4);
  await h.shot('44-pasted-with-links');
});

/** Each param field of a node as name → what its widget holds (the number box of a slider). */
function paramValues(id: string): Promise<Record<string, string>> {
  return node(id)
    .locator('[data-param]')
    .evaluateAll((els) =>
      Object.fromEntries(
        els.map((e) => {
          const fields = [...e.querySelectorAll('input:not([type=checkbox]), select, textarea')];
          const last = fields[fields.length - 1] as HTMLInputElement | undefined;
          return [e.getAttribute('data-param') ?? '', last?.value ?? ''];
        }),
      ),
    );
}

test('Ctrl+D copies the node type and every param value, edited ones included', async () => {
  await node('sampler-1').locator('[data-param="steps"] input').last().fill('7');
  await node('sampler-1').locator('[data-param="scheduler"] select').selectOption('ddim');
  await selectOnly('sampler-1');
  await page.keyboard.press('Control+d');
  await node('sampler-2').waitFor();
  const type = (id: string) => node(id).locator('.lf-node').getAttribute('data-node-type');
  assert.equal(await type('sampler-2'), 'toy.sampler');
  const original = await paramValues('sampler-1');
  assert.equal(original.steps, '7');
  assert.equal(original.scheduler, 'ddim');
  assert.deepEqual(await paramValues('sampler-2'), original);
  await page.keyboard.press('Delete');
  await node('sampler-2').waitFor({ state: 'detached' });
  // a deleted node leaves the selection: "Run to selected" has nothing to run up to
  assert.equal(await page.getByRole('button', { name: 'Run to selected' }).isDisabled(), true);
});

test('a group is a titled frame; dragging its title moves its nodes and only them', async () => {
  await canvas().fit();
  await selectOnly('sampler-1');
  await node('decode-1')
    .locator('header .title')
    .click({ modifiers: ['Control'] });
  await page.keyboard.press('Control+g');
  const group = page.locator('.lf-group');
  await group.waitFor();
  assert.equal(await group.locator('header span').first().textContent(), 'Group');
  await group.locator('header span').first().dblclick();
  await page.getByRole('textbox', { name: 'Group title' }).fill('Sampling');
  await page.keyboard.press('Enter');
  await group.locator('header span', { hasText: 'Sampling' }).waitFor();
  const box = async (id: string) => {
    const b = await node(id).boundingBox();
    assert.ok(b);
    return b;
  };
  const [sampler, decode, save] = [await box('sampler-1'), await box('decode-1'), await box('save-1')];
  const frame = await group.boundingBox();
  assert.ok(frame);
  const title = await canvas().center(group.locator('header span').first());
  await canvas().drag(title, { x: title.x + 90, y: title.y + 120 });
  await h.shot('47-group-moved');
  const delta = (now: { x: number; y: number }, was: { x: number; y: number }) => [
    Math.round(now.x - was.x),
    Math.round(now.y - was.y),
  ];
  // React Flow starts a drag past a small threshold, so the frame follows most of the mouse's way
  const framed = delta((await group.boundingBox()) ?? frame, frame);
  assert.ok(framed[0] > 60 && framed[1] > 80, `the frame followed the mouse (moved ${framed})`);
  assert.deepEqual(delta(await box('sampler-1'), sampler), framed, 'a member moves with its frame');
  assert.deepEqual(delta(await box('decode-1'), decode), framed, 'every member moves with its frame');
  assert.deepEqual(delta(await box('save-1'), save), [0, 0], 'a node outside the group stays');
  // one undo step puts the whole group back
  await page.keyboard.press('Control+z');
  await page.waitForFunction(
    ([id, x]) =>
      Math.round(document.querySelector(`.react-flow__node[data-id="${id}"]`)?.getBoundingClientRect().x ?? 0) === x,
    ['sampler-1', Math.round(sampler.x)] as const,
  );
  // undo the rename and the grouping too: the graph is as it was for the next tests
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await group.waitFor({ state: 'detached' });
});

test('ports are reached with Tab and linked with Enter, with a visible focus ring', async () => {
  // take the sampler → decode link away, then make it again from the keyboard
  const link = page.locator('.react-flow__edge[data-id="decode-1:latent"]');
  await canvas().fit();
  const at = await linkMiddle('decode-1:latent');
  await page.mouse.click(at.x, at.y, { button: 'right' });
  await page.getByRole('menu', { name: 'Link' }).getByRole('menuitem', { name: 'Delete link' }).click();
  await link.waitFor({ state: 'detached' });

  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
  const tabTo = async (label: string) => {
    for (let i = 0; i < 40 && (await focused()) !== label; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), label, `Tab reaches ${label}`);
  };
  // from the node (clicked), Tab reaches its sockets before its fields
  await node('sampler-1').locator('header .title').click();
  await tabTo('Toy Sampler output latent (Latent)');
  const shadow = await page.evaluate(() => getComputedStyle(document.activeElement as Element).boxShadow);
  assert.match(shadow, /rgb\(\d+, \d+, \d+\) 0px 0px 0px 3px/, `a focused port shows a ring (${shadow})`);
  await h.shot('48-port-focused');
  const hint = page.locator('.toast-info', { hasText: 'Link started' });
  await page.keyboard.press('Enter');
  await node('sampler-1').locator('.react-flow__handle.linking[data-handleid="latent"]').waitFor();
  await hint.waitFor();
  await tabTo('Toy Decode input latent (Latent)');
  await page.keyboard.press('Enter');
  await link.waitFor();
  assert.equal(await hint.count(), 0, 'the "Link started" hint goes once the link is made');
  // Enter starts another link here; Escape gives it up, and its hint with it
  await page.keyboard.press('Enter');
  const started = node('decode-1').locator('.react-flow__handle.linking[data-handleid="latent"]');
  await started.waitFor();
  await hint.waitFor();
  await page.keyboard.press('Escape');
  await started.waitFor({ state: 'detached' });
  assert.equal(await hint.count(), 0, 'the "Link started" hint goes when Escape cancels');
  // a field reached by Tab shows the same ring
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.tagName)) !== 'INPUT'; i++) {
    await page.keyboard.press('Tab');
  }
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement as Element);
    return { tag: document.activeElement?.tagName, style: s.outlineStyle, width: s.outlineWidth };
  });
  assert.deepEqual(ring, { tag: 'INPUT', style: 'solid', width: '2px' }, 'a field focused by keyboard shows a ring');
  assert.equal(await page.locator('.react-flow__handle.linking').count(), 0, 'the started link is done');
});

test('Ctrl+click adds a node to the selection', async () => {
  await selectOnly('sampler-1');
  await node('decode-1')
    .locator('header .title')
    .click({ modifiers: ['Control'] });
  await node('decode-1').locator('.lf-node.selected').waitFor();
  assert.equal(await node('sampler-1').locator('.lf-node.selected').count(), 1, 'the first stays selected');
});

test('double-click on the canvas opens node search; Enter adds the top result where the click was', async () => {
  const pane = await page.locator('.react-flow__pane').boundingBox();
  assert.ok(pane);
  // top left: clear of the nodes, the controls, the minimap and the toasts
  const at = { x: pane.x + 80, y: pane.y + 80 };
  await page.mouse.dblclick(at.x, at.y);
  const search = page.getByRole('textbox', { name: 'Search nodes…' });
  await search.fill('toy save');
  await h.shot('45-node-search');
  await search.press('Enter');
  await node('save-2').waitFor();
  const box = await node('save-2').boundingBox();
  assert.ok(box);
  assert.ok(Math.abs(box.x - at.x) < 4 && Math.abs(box.y - at.y) < 4, 'placed at the cursor');
});

test('"run selected" with nothing selected is refused, not run', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  const jobs = await page.locator('.job-list li').count();
  await page.keyboard.press('Control+Shift+Enter');
  await page.locator('.toast-error', { hasText: 'Select the nodes to run up to first' }).waitFor();
  assert.equal(await page.locator('.run-progress').count(), 0, 'no run started');
  assert.equal(await page.locator('.job-list li').count(), jobs);
});

test('the same error again counts up on one toast instead of piling up; × dismisses it', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  const refused = page.locator('.toast', { hasText: 'Select the nodes to run up to first' });
  // the refusal of the test before may still show: start from none
  if ((await refused.count()) > 0) await refused.getByRole('button', { name: 'Dismiss' }).click();
  await refused.waitFor({ state: 'detached' });
  for (let i = 0; i < 3; i++) await page.keyboard.press('Control+Shift+Enter');
  await refused.locator('.toast-count', { hasText: '×3' }).waitFor();
  assert.equal(await refused.count(), 1);
  await h.shot('49-toast-counted');
  await refused.getByRole('button', { name: 'Dismiss' }).click();
  await refused.waitFor({ state: 'detached' });
});

test('? opens the list of shortcuts; Escape closes it', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.getByRole('rowheader', { name: 'Ctrl+B' }).waitFor();
  assert.match((await help.textContent()) ?? '', /Ctrl\+Shift\+V.*Paste keeping the links/);
  await h.shot('46-shortcuts');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
});

test('at 1024×700 the canvas keeps 60 % of the width; side panels collapse; the minimap toggles', async () => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const share = async () => ((await page.locator('.center').boundingBox())?.width ?? 0) / 1024;
  assert.ok((await share()) >= 0.6, `canvas is ${Math.round((await share()) * 100)} % of the width`);
  await h.shot('47-1024x700');
  await page.getByRole('button', { name: 'Library' }).click();
  await page.locator('.sidebar').waitFor({ state: 'hidden' });
  assert.ok((await share()) >= 0.75, 'the library folded away gives the canvas its room');
  await page.getByRole('button', { name: 'Library' }).click();
  await page.locator('.sidebar').waitFor({ state: 'visible' });
  const toggle = page.locator('.react-flow__controls [aria-label$="the minimap"]');
  const shown = (await page.locator('.react-flow__minimap').count()) === 1;
  await toggle.click();
  await page.locator('.react-flow__minimap').waitFor({ state: shown ? 'detached' : 'attached' });
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('the light theme follows the system setting; dark stays the default', async () => {
  const background = () => page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await background(), 'rgb(21, 23, 28)');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await background(), 'rgb(244, 245, 248)');
  await h.shot('48-light');
});
