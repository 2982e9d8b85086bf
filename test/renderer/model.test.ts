import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outputUrl } from '../../api/output-url.ts';
import type { Catalogue, NodeInfo, WorkflowDoc } from '../../api/schemas.ts';
import { loadWorkflow } from '../../graph-engine/workflow.ts';
import { autosave, restore } from '../../renderer/model/autosave.ts';
import {
  addGroup,
  addNode,
  bypassRefusal,
  compatibleNodes,
  connect,
  copyNodes,
  EMPTY_DOC,
  moveNodes,
  pasteClip,
  placeUnplaced,
  positionOf,
  reaches,
  removeNodes,
  roomyOffset,
  toggleMode,
} from '../../renderer/model/graph-doc.ts';
import { commit, redo, startHistory, undo } from '../../renderer/model/history.ts';
import { paramFields } from '../../renderer/model/param-fields.ts';
import { layerTracks, showTracks } from '../../renderer/run/layer-tracks.ts';

const info = (type: string, inputs: Record<string, string>, outputs: Record<string, string>): NodeInfo => ({
  type,
  version: 1,
  category: 'T',
  title: type,
  docs: '',
  purity: 'pure',
  params: {},
  defaults: { k: 3 },
  inputs: Object.fromEntries(Object.entries(inputs).map(([k, kind]) => [k, { type: { kind } }])),
  outputs: Object.fromEntries(Object.entries(outputs).map(([k, kind]) => [k, { type: { kind } }])),
});
const cat: Catalogue = {
  nodes: [
    info('p.text', {}, { text: 'LayerText' }),
    info('p.sample', { text: 'LayerText' }, { latent: 'Latent' }),
    info('p.any', { x: 'Any' }, {}),
  ],
  kinds: [],
};

function chain(): WorkflowDoc {
  let d: WorkflowDoc = EMPTY_DOC;
  d = addNode(d, cat.nodes[0], { x: 10.4, y: 20 });
  d = addNode(d, cat.nodes[1], { x: 300, y: 20 });
  d = addNode(d, cat.nodes[1], { x: 600, y: 20 });
  return connect(d, { node: 'text-1', output: 'text' }, { node: 'sample-1', input: 'text' });
}

test('nodes get readable fresh ids, defaults and rounded positions', () => {
  const d = chain();
  assert.deepEqual(Object.keys(d.nodes), ['text-1', 'sample-1', 'sample-2']);
  assert.deepEqual(d.nodes['sample-2'].params, { k: 3 });
  assert.deepEqual(positionOf(d, 'text-1'), { x: 10, y: 20 });
});

test('documents the editor makes are current engine workflows, positions under layout.nodes', () => {
  let d = addGroup(chain(), ['text-1', 'sample-1'], 'Prompting');
  d = moveNodes(d, { 'sample-2': { x: 612.6, y: -4.2 } });
  const loaded = loadWorkflow(d);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.equal(loaded.migratedFrom, undefined);
  assert.deepEqual(loaded.workflow.layout?.nodes?.['sample-2'], { x: 613, y: -4 });
  assert.deepEqual(loaded.workflow.layout?.groups?.[0].nodes, ['text-1', 'sample-1']);
});

test('a version 1 file migrated by the engine keeps its positions in the editor', () => {
  const v1 = {
    schemaVersion: 1,
    nodes: { t: { type: 'p.text', params: {} } },
    layout: { t: { x: 123, y: 45 }, groups: [{ id: 'g', title: 'G', nodes: ['t'] }] },
  };
  const loaded = loadWorkflow(v1);
  assert.ok(loaded.ok);
  assert.deepEqual(positionOf(loaded.workflow, 't'), { x: 123, y: 45 });
});

test('cycles are detected and removing a node drops links into it', () => {
  const d = chain();
  assert.equal(reaches(d, 'sample-1', 'text-1'), true);
  assert.equal(reaches(d, 'text-1', 'sample-1'), false);
  const r = removeNodes(d, ['text-1']);
  assert.deepEqual(r.nodes['sample-1'].inputs, {});
  assert.equal(r.layout?.nodes?.['text-1'], undefined);
});

test('copy/paste keeps only internal links, rewired to the fresh ids', () => {
  const d = chain();
  const clip = copyNodes(d, ['text-1', 'sample-1']);
  const { doc, ids } = pasteClip(d, clip, { x: 40, y: 40 });
  assert.deepEqual(ids, ['text-2', 'sample-3']);
  assert.deepEqual(doc.nodes['sample-3'].inputs, { text: { node: 'text-2', output: 'text' } });
  assert.deepEqual(positionOf(doc, 'text-2'), { x: 50, y: 60 });
  const lone = pasteClip(d, copyNodes(d, ['sample-1']), { x: 0, y: 0 });
  assert.deepEqual(lone.doc.nodes[lone.ids[0]].inputs, {});
});

test('paste with links (Ctrl+Shift+V) also keeps links from nodes outside the copy', () => {
  const d = chain();
  const { doc, ids } = pasteClip(d, copyNodes(d, ['sample-1']), { x: 0, y: 0 }, true);
  assert.deepEqual(doc.nodes[ids[0]].inputs, { text: { node: 'text-1', output: 'text' } });
  // a source that is gone by the time of pasting is not linked to
  const gone = removeNodes(d, ['text-1']);
  const later = pasteClip(gone, copyNodes(d, ['sample-1']), { x: 0, y: 0 }, true);
  assert.deepEqual(later.doc.nodes[later.ids[0]].inputs, {});
});

test('bypass toggles on and off, and is refused when a read output has no input of its kind to pass on', () => {
  const refine = info('p.refine', { text: 'LayerText' }, { text: 'LayerText' });
  const withRefine: Catalogue = { ...cat, nodes: [...cat.nodes, refine] };
  let d = addNode(chain(), refine, { x: 0, y: 300 });
  d = connect(d, { node: 'text-1', output: 'text' }, { node: 'refine-1', input: 'text' });
  d = connect(d, { node: 'refine-1', output: 'text' }, { node: 'sample-2', input: 'text' });
  assert.equal(bypassRefusal(withRefine, d, 'refine-1'), undefined);
  assert.equal(bypassRefusal(withRefine, d, 'sample-2'), undefined, 'nothing reads its output');
  const sampled = connect(d, { node: 'text-1', output: 'text' }, { node: 'sample-1', input: 'text' });
  const read = addNode(sampled, info('p.latent', { latent: 'Latent' }, {}), { x: 0, y: 0 }, 'reader');
  const reading = connect(read, { node: 'sample-1', output: 'latent' }, { node: 'reader', input: 'latent' });
  assert.match(
    bypassRefusal(withRefine, reading, 'sample-1') ?? '',
    /no connected Latent input to pass on as its "latent"/,
  );
  const on = toggleMode(d, ['refine-1', 'sample-2'], 'bypass');
  assert.deepEqual([on.nodes['refine-1'].mode, on.nodes['sample-2'].mode], ['bypass', 'bypass']);
  // all already bypassed: the same key turns it off; a mixed selection is all set
  assert.equal('mode' in toggleMode(on, ['refine-1', 'sample-2'], 'bypass').nodes['refine-1'], false);
  assert.equal(toggleMode(on, ['refine-1', 'text-1'], 'bypass').nodes['text-1'].mode, 'bypass');
  assert.equal(toggleMode(on, ['refine-1'], 'mute').nodes['refine-1'].mode, 'mute');
});

test('pasted and new nodes are shifted down until they cover no node', () => {
  const d = chain(); // nodes at (10,20), (300,20), (600,20)
  const off = roomyOffset(d, [positionOf(d, 'sample-1')], { x: 40, y: 40 });
  assert.equal(off.x, 40);
  assert.ok(off.y >= 220, `below the row of nodes (shifted ${off.y})`);
  const { doc, ids } = pasteClip(d, copyNodes(d, ['sample-1']), off);
  const p = positionOf(doc, ids[0]);
  for (const id of Object.keys(d.nodes)) {
    const q = positionOf(d, id);
    assert.ok(Math.abs(p.x - q.x) >= 280 || Math.abs(p.y - q.y) >= 220, `${ids[0]} clear of ${id}`);
  }
  assert.deepEqual(roomyOffset(d, [{ x: 0, y: 0 }], { x: 80, y: 600 }), { x: 80, y: 600 }, 'free: as asked');
});

test('the dangling-link menu lists only nodes with a fitting port', () => {
  assert.deepEqual(
    compatibleNodes(cat, { kind: 'LayerText' }, 'output').map((c) => [c.info.type, c.port]),
    [
      ['p.sample', 'text'],
      ['p.any', 'x'],
    ],
  );
  assert.deepEqual(
    compatibleNodes(cat, { kind: 'LayerText' }, 'input').map((c) => c.info.type),
    ['p.text'],
  );
});

test('undo/redo walk snapshots; a new edit clears redo', () => {
  let h = startHistory(1);
  h = commit(h, 2);
  h = commit(h, 3, false);
  h = undo(h);
  assert.equal(h.present, 1);
  h = redo(h);
  assert.equal(h.present, 3);
  h = commit(undo(h), 9);
  assert.deepEqual([h.past, h.present, h.future], [[1], 9, []]);
});

test('autosave never replaces a good save with a broken document', () => {
  const mem = new Map<string, string>();
  const store = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
  assert.equal(autosave(store, { tabs: [{ name: 'a', doc: chain() }], active: 0 }), true);
  const broken = { schemaVersion: 2, nodes: { x: { type: 3 } } } as unknown as WorkflowDoc;
  assert.equal(autosave(store, { tabs: [{ name: 'b', doc: broken }], active: 0 }), false);
  assert.equal(restore(store)?.tabs[0].name, 'a');
  mem.set('layerflow.autosave.v2', '{"tabs":[{"name":"x","doc":');
  assert.equal(restore(store), undefined);
});

test('param widgets come from JSON Schema types and meta hints', () => {
  const fields = paramFields({
    type: 'object',
    properties: {
      cfg: { type: 'number', minimum: 1, maximum: 12, default: 6 },
      steps: { type: 'integer', minimum: 1, maximum: 200 },
      seed: { type: 'integer', widget: 'seed' },
      mode: { type: 'string', enum: ['rgb', 'rgba'] },
      prompt: { type: 'string', widget: 'textarea', label: 'Prompt' },
      pack: { type: 'string', widget: 'pack' },
    },
    required: ['steps'],
  });
  assert.deepEqual(
    fields.map((f) => f.widget),
    ['slider', 'number', 'seed', 'choice', 'textarea', 'pack'],
  );
  assert.equal(fields[1].step, 1);
  assert.equal(fields[1].required, true);
  assert.equal(fields[4].label, 'Prompt');
});

test('output files group into layer tracks in layer order', () => {
  const f = (path: string) => ({ path, size: 1, url: `/files/j/${path}` });
  const tracks = layerTracks([
    f('blend.webm'),
    f('bg/frame_0002.png'),
    f('bg/frame_0010.png'),
    f('bg/frame_0001.png'),
    f('foreground.webm'),
    f('contact-sheet.png'),
    f('manifest.json'),
  ]);
  assert.deepEqual(
    tracks.map((t) => [t.name, t.kind, t.urls.length]),
    [
      ['foreground', 'video', 1],
      ['bg', 'frames', 3],
      ['blend', 'video', 1],
    ],
  );
  assert.deepEqual(tracks[1].urls, [
    '/files/j/bg/frame_0001.png',
    '/files/j/bg/frame_0002.png',
    '/files/j/bg/frame_0010.png',
  ]);
});

test('tracks are named by their save node title and checkered only where it reported alpha', () => {
  const f = (path: string) => ({ path, size: 1, url: `/files/j/${path}` });
  const tracks = layerTracks([f('hero/foreground.webm'), f('hero/alpha.webm'), f('plate.mp4'), f('extra.webm')]);
  const shown = showTracks(tracks, {
    facts: {
      // a node's facts are free-form: a pack's file hashes are no save node's files
      pack: { files: { 'model.onnx': 'abc' } },
      'save-1': { files: ['hero/foreground.webm', 'hero/alpha.webm'], withAlpha: ['hero/foreground.webm'] },
      'save-2': { files: ['plate.mp4'], alpha: false },
    },
    workflow: { nodes: { 'save-1': { title: 'Hero' }, 'save-2': { title: 'Plate' } } },
  });
  assert.deepEqual(
    shown.map((t) => [t.name, t.label, t.alpha]),
    [
      ['hero/foreground', 'Hero · foreground', true],
      ['hero/alpha', 'Hero · alpha', false],
      ['extra', 'extra', false],
      ['plate', 'Plate', false],
    ],
  );
});

test('nodes a file gives no position are placed in columns by depth; placed ones stay', () => {
  const doc: WorkflowDoc = {
    schemaVersion: 2,
    nodes: {
      save: { type: 'p.any', typeVersion: 1, params: {}, inputs: { x: { node: 'sample', output: 'latent' } } },
      sample: { type: 'p.sample', typeVersion: 1, params: {}, inputs: { text: { node: 'text', output: 'text' } } },
      text: { type: 'p.text', typeVersion: 1, params: {}, inputs: {} },
      other: { type: 'p.text', typeVersion: 1, params: {}, inputs: {} },
    },
    layout: { nodes: { other: { x: -50, y: 999 } } },
  };
  const placed = placeUnplaced(doc);
  assert.deepEqual(
    ['text', 'sample', 'save', 'other'].map((id) => positionOf(placed, id)),
    [
      { x: 0, y: 0 },
      { x: 340, y: 0 },
      { x: 680, y: 0 },
      { x: -50, y: 999 },
    ],
  );
  assert.equal(placeUnplaced(placed), placed);
});

test('output file URLs carry the token in a browser and use the app scheme in Electron', () => {
  assert.equal(outputUrl('/files/j1/a b.mp4', { desktop: false, token: 't&1' }), '/files/j1/a b.mp4?token=t%261');
  assert.equal(outputUrl('/files/j1/x.png?v=2', { desktop: false, token: 't' }), '/files/j1/x.png?v=2&token=t');
  assert.equal(outputUrl('/files/j1/x.png', { desktop: true, token: 't' }), 'layerflow://files/j1/x.png');
});
