import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { inferGraphTypes } from '../../graph-engine/infer.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import { validateWorkflow } from '../../graph-engine/validate.ts';
import type { ValidationError } from '../../graph-engine/validation-error.ts';
import { mustLoad, sampleDoc, toyEngine } from './engine-toys.ts';

type Nodes = Record<string, Record<string, unknown>>;

/** The sample with `edit` applied to its nodes, validated. */
function errorsAfter(edit: (nodes: Nodes, doc: Record<string, unknown>) => void, targets?: string[]) {
  const { registry } = toyEngine();
  const doc = sampleDoc();
  edit(doc.nodes as Nodes, doc);
  return validateWorkflow(mustLoad(doc), registry, { targets });
}

const brief = (errors: ValidationError[]) => errors.map((e) => `${e.nodeId}|${e.field ?? ''}|${e.code}`).sort();

test('the sample workflow is valid', () => {
  assert.deepEqual(
    errorsAfter(() => {}),
    [],
  );
});

test('unknown types and versions are reported on their node', () => {
  const errors = errorsAfter((n) => {
    n.a.type = 'pack.missing';
    n.b.typeVersion = 3;
  });
  assert.deepEqual(brief(errors), ['a||unknown-type', 'b||unknown-version']);
  assert.match(errors[1].message, /no version 3 \(installed: 1\)/);
});

test('params: unknown names, zod violations with zod messages, missing required ones', () => {
  const { registry } = toyEngine();
  const wf = mustLoad({
    schemaVersion: 2,
    nodes: {
      n: { type: 'toy.noise', typeVersion: 1, params: { w: 2.5, h: 'tall', seed: 7, colour: 'red' } },
      t: { type: 'toy.text', typeVersion: 1, params: {} },
      u: { type: 'toy.text', typeVersion: 1, params: { text: '' } },
    },
  });
  const errors = validateWorkflow(wf, registry);
  assert.deepEqual(brief(errors), [
    'n|colour|unknown-param',
    'n|h|bad-param',
    'n|w|bad-param',
    't|text|missing-param',
    'u|text|bad-param',
  ]);
  assert.match(errors.find((e) => e.field === 'h')?.message ?? '', /expected number, received string/);
  assert.match(errors.find((e) => e.field === 'colour')?.message ?? '', /params: w, h, seed/);
});

test('inputs: missing, unknown, dangling node, missing output', () => {
  const errors = errorsAfter((n) => {
    n.sum.inputs = { b: { node: 'ghost', output: 'value' }, c: { node: 'a', output: 'value' } };
    n.total.inputs = { grid: { node: 'scale', output: 'picture' } };
  });
  assert.deepEqual(brief(errors), [
    'sum|a|missing-input',
    'sum|b|missing-node',
    'sum|c|unknown-input',
    'total|grid|missing-output',
  ]);
  assert.match(errors.find((e) => e.code === 'missing-node')?.message ?? '', /"ghost"/);
});

test('type mismatches use the port kinds own reason, including inferred shapes', () => {
  const errors = errorsAfter((n) => {
    n.total.inputs = { grid: { node: 'sum', output: 'sum' } };
    n.sq = { type: 'toy.square', typeVersion: 1, params: {}, inputs: { grid: { node: 'noise', output: 'grid' } } };
  });
  assert.deepEqual(brief(errors), ['sq|grid|type-mismatch', 'total|grid|type-mismatch']);
  assert.match(errors[0].message, /Number output cannot feed a Grid input/);
  assert.match(errors[1].message, /Grid h is 5 but this input needs 3/);
});

test('cycles name every node on the loop', () => {
  const errors = errorsAfter((n) => {
    (n.sum.inputs as Record<string, unknown>).a = { node: 'total', output: 'total' };
    n.self = { type: 'toy.add', typeVersion: 1, params: {}, inputs: { a: { node: 'self', output: 'sum' } } };
  });
  const cycles = errors.filter((e) => e.code === 'cycle');
  assert.deepEqual(brief(cycles), ['scale|factor|cycle', 'self|a|cycle', 'sum|a|cycle', 'total|grid|cycle']);
  assert.match(cycles.find((e) => e.nodeId === 'sum')?.message ?? '', /sum → scale → total → sum/);
  assert.match(cycles.find((e) => e.nodeId === 'self')?.message ?? '', /self → self$/);
  assert.deepEqual(brief(errors.filter((e) => e.code !== 'cycle')), []);
});

test("constraints from a spec's infer are reported while editing", () => {
  const errors = errorsAfter((n) => {
    (n.noise.params as Record<string, unknown>).w = 4;
  });
  assert.deepEqual(brief(errors), ['scale|grid|constraint']);
  assert.match(errors[0].message, /must be odd, not 4/);
});

test('an infer that throws becomes an issue on its node, not a crash', () => {
  const { registry } = toyEngine();
  registry.register(
    defineNode({
      type: 'toy.fragile',
      version: 1,
      category: 'Toy',
      title: 'Fragile',
      docs: '',
      purity: 'pure',
      inputs: {},
      outputs: { x: { type: { kind: 'Number' } } },
      params: z.object({}),
      infer: () => {
        throw new Error('cannot tell');
      },
      run: async () => ({ x: 1 }),
    }),
  );
  const wf = mustLoad({ schemaVersion: 2, nodes: { f: { type: 'toy.fragile', typeVersion: 1 } } });
  assert.deepEqual(brief(validateWorkflow(wf, registry)), ['f||infer-failed']);
});

test('targets limit validation to what they need; unknown targets and stale form fields are errors', () => {
  const broken = (n: Nodes) => {
    n.total.inputs = {};
  };
  assert.deepEqual(brief(errorsAfter(broken)), ['total|grid|missing-input']);
  assert.deepEqual(errorsAfter(broken, ['saveSum']), []);
  assert.deepEqual(brief(errorsAfter(broken, ['saveSum', 'nope'])), ['nope||unknown-target']);
  const form = errorsAfter((_n, doc) => {
    doc.form = [
      { node: 'a', param: 'valeu' },
      { node: 'zz', param: 'x' },
    ];
  });
  assert.deepEqual(brief(form), ['a|valeu|bad-form', 'zz|x|bad-form']);
});

test('inferGraphTypes gives every output its inferred type for the editor', () => {
  const { registry } = toyEngine();
  const types = inferGraphTypes(mustLoad(sampleDoc()), registry);
  assert.deepEqual(types.outputs.noise.grid, { kind: 'Grid', w: 3, h: 5 });
  assert.deepEqual(types.outputs.scale.grid, { kind: 'Grid', w: 3, h: 5 });
  assert.deepEqual(types.outputs.sum.sum, { kind: 'Number' });
  assert.equal(registry.kinds.describe(types.outputs.scale.grid), 'Grid 3×5');
  assert.deepEqual(types.issues, []);
});
