import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadWorkflow, WorkflowSchema, workflowJsonSchema } from '../../graph-engine/workflow.ts';
import { sampleDoc, toyEngine } from './engine-toys.ts';

test('a valid current file loads unchanged, defaults filled', () => {
  const doc = sampleDoc();
  (doc.nodes as Record<string, Record<string, unknown>>).sum.params = undefined;
  const loaded = loadWorkflow(JSON.parse(JSON.stringify(doc)));
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.equal(loaded.migratedFrom, undefined);
  assert.deepEqual(loaded.workflow.nodes.sum.params, {});
  assert.deepEqual(loaded.workflow.nodes.a.inputs, {});
  assert.deepEqual(loaded.workflow.form, [{ node: 'a', param: 'value', label: 'First number' }]);
  assert.equal(loaded.workflow.meta?.title, 'sample');
});

test('a version 1 file migrates: links become inputs, positional params get names, layout nests', () => {
  const { registry } = toyEngine();
  const v1 = {
    schemaVersion: 1,
    nodes: {
      a: { type: 'toy.num', widgets_values: [4.75] },
      n: { type: 'toy.noise', typeVersion: 1, widgets_values: [7, 9], params: { seed: 99 } },
      s: { type: 'toy.scale', params: { by: -1.5 }, inputs: { grid: { node: 'n', output: 'grid' } } },
    },
    links: [['a', 'value', 's', 'factor']],
    layout: { a: { x: 10, y: -20 }, s: { x: 300, y: 40 }, groups: [{ id: 'g1', title: 'G', nodes: ['a'] }] },
  };
  const loaded = loadWorkflow(v1, { registry });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.equal(loaded.migratedFrom, 1);
  const wf = loaded.workflow;
  assert.equal(wf.schemaVersion, 2);
  assert.deepEqual(wf.nodes.a, { type: 'toy.num', typeVersion: 1, params: { value: 4.75 }, inputs: {} });
  assert.deepEqual(wf.nodes.n.params, { w: 7, h: 9, seed: 99 });
  assert.deepEqual(wf.nodes.s.inputs, { grid: { node: 'n', output: 'grid' }, factor: { node: 'a', output: 'value' } });
  assert.deepEqual(wf.layout, {
    nodes: { a: { x: 10, y: -20 }, s: { x: 300, y: 40 } },
    groups: [{ id: 'g1', title: 'G', nodes: ['a'] }],
  });
  assert.ok(!('links' in wf));
});

test('positional params in an array that carries odd own properties still migrate (found by the fuzz test)', () => {
  const { registry } = toyEngine();
  const widgets = Object.assign([7, 9], { constructor: 'x' });
  const loaded = loadWorkflow(
    { schemaVersion: 1, nodes: { n: { type: 'toy.noise', widgets_values: widgets } } },
    { registry },
  );
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.deepEqual(loaded.workflow.nodes.n.params, { w: 7, h: 9 });
});

test('a version 1 file reports links it cannot place and params it cannot name, at their paths', () => {
  const loaded = loadWorkflow({
    schemaVersion: 1,
    nodes: {
      a: { type: 'toy.num', params: {} },
      b: { type: 'pack.gone', widgets_values: [1, 2] },
      c: { type: 'toy.add', inputs: { a: { node: 'a', output: 'value' } } },
    },
    links: [['a', 'value', 'nowhere', 'x'], ['a', 'value', 'c', 'a'], ['a', 3], 'no'],
  });
  assert.ok(!loaded.ok);
  const byPath = Object.fromEntries(loaded.issues.map((i) => [i.path, i.code]));
  assert.deepEqual(byPath, {
    'nodes.b.widgets_values': 'unnamed-widgets',
    'links.0': 'dangling-link',
    'links.1': 'duplicate-link',
    'links.2': 'bad-link',
    'links.3': 'bad-link',
  });
});

test('every problem in a file is reported at once, each at its JSON path', () => {
  const loaded = loadWorkflow({
    schemaVersion: 2,
    nodes: {
      a: { type: 'toy.num', typeVersion: 1.5, params: [], inputs: {} },
      'bad id': { type: 'toy.num', typeVersion: 1 },
      b: { type: '', typeVersion: 1, inputs: { x: { node: 'a' } }, extra: true },
      c: { typeVersion: 1, inputs: { y: { node: 'a', output: 'value', via: 1 } } },
    },
    layout: { nodes: { a: { x: 'left', y: 0 } }, viewport: { x: 0, y: 0, zoom: -1 } },
    form: [{ node: 'a' }],
    meta: { title: 7 },
  });
  assert.ok(!loaded.ok);
  const paths = loaded.issues.map((i) => i.path).sort();
  assert.deepEqual(paths, [
    'form.0.param',
    'layout.nodes.a.x',
    'layout.viewport.zoom',
    'meta.title',
    'nodes.a.params',
    'nodes.a.typeVersion',
    'nodes.b.extra',
    'nodes.b.inputs.x.output',
    'nodes.b.type',
    'nodes.bad id',
    'nodes.c.inputs.y.via',
    'nodes.c.type',
  ]);
  for (const issue of loaded.issues) assert.ok(issue.code && issue.message, JSON.stringify(issue));
  assert.equal(loaded.issues.find((i) => i.path === 'nodes.b.extra')?.code, 'unknown-key');
});

test('files that are not workflows, or from a newer app, are refused with a reason', () => {
  const cases: [unknown, string, string][] = [
    [null, '(root)', 'invalid_type'],
    [[1, 2], '(root)', 'invalid_type'],
    [{ nodes: {} }, 'schemaVersion', 'missing-version'],
    [{ schemaVersion: '2', nodes: {} }, 'schemaVersion', 'bad-version'],
    [{ schemaVersion: 0, nodes: {} }, 'schemaVersion', 'bad-version'],
    [{ schemaVersion: 3, nodes: {} }, 'schemaVersion', 'too-new'],
    [{ schemaVersion: 2 }, 'nodes', 'invalid_type'],
  ];
  for (const [doc, path, code] of cases) {
    const loaded = loadWorkflow(doc);
    assert.ok(!loaded.ok, JSON.stringify(doc));
    assert.deepEqual(
      loaded.issues.map((i) => [i.path, i.code]),
      [[path, code]],
      JSON.stringify(doc),
    );
  }
});

test('unknown node types load; validation reports them per node', () => {
  const loaded = loadWorkflow({ schemaVersion: 2, nodes: { x: { type: 'pack.later', typeVersion: 4 } } });
  assert.ok(loaded.ok);
});

test('the JSON Schema export describes the current format', () => {
  const schema = workflowJsonSchema() as { properties: Record<string, { const?: number }>; required: string[] };
  assert.equal(schema.properties.schemaVersion.const, 2);
  assert.deepEqual(schema.required.sort(), ['nodes', 'schemaVersion']);
  assert.ok(JSON.stringify(schema).includes('typeVersion'));
  assert.ok(WorkflowSchema.safeParse(sampleDoc()).success);
});
