import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PortKindRegistry, type PortType } from '../../graph-engine/ports.ts';
import { NodeRegistry } from '../../graph-engine/registry.ts';
import { defineNode, type NodeSpec } from '../../graph-engine/spec.ts';
import { loadWorkflow, type Workflow } from '../../graph-engine/workflow.ts';

/** Toy port kinds and nodes for engine tests: numbers, text, and a shaped Grid with seeded noise. */

export interface Grid {
  w: number;
  h: number;
  data: Float64Array;
}

/** mulberry32: a small seeded PRNG, so tests are repeatable from a printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function toyKinds(): PortKindRegistry {
  const kinds = new PortKindRegistry();
  kinds.register({ name: 'Number', color: '#3a7', docs: 'A number.', fields: z.object({}) });
  kinds.register({ name: 'Text', color: '#a73', docs: 'A string.', fields: z.object({}) });
  kinds.register({
    name: 'Grid',
    color: '#37a',
    docs: 'A w×h grid of numbers.',
    fields: z.object({ w: z.number().int().optional(), h: z.number().int().optional() }),
    describe: (t) => `Grid ${t.w ?? '?'}×${t.h ?? '?'}`,
    typeOf: (v) => ({ kind: 'Grid', w: (v as Grid).w, h: (v as Grid).h }),
    sizeOf: (v) => (v as Grid).data.byteLength,
  });
  return kinds;
}

/** Counts how often each node id ran, so tests can prove what the cache skipped. */
export type RunCounts = Record<string, number>;

function count(runs: RunCounts, id: string): void {
  runs[id] = (runs[id] ?? 0) + 1;
}

const grid = (t: PortType | undefined): PortType => ({ kind: 'Grid', w: t?.w ?? null, h: t?.h ?? null });

function toyNodes(runs: RunCounts): NodeSpec[] {
  const base = { category: 'Toy', docs: 'A toy.', version: 1 } as const;
  return [
    defineNode({
      ...base,
      type: 'toy.num',
      title: 'Number',
      purity: 'pure',
      inputs: {},
      outputs: { value: { type: { kind: 'Number' } } },
      params: z.object({ value: z.number().default(1).meta({ widget: 'number', step: 0.5 }) }),
      run: async (_i, p, ctx) => {
        count(runs, ctx.nodeId);
        return { value: p.value };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.add',
      title: 'Add',
      purity: 'pure',
      inputs: { a: { type: { kind: 'Number' } }, b: { type: { kind: 'Number' }, optional: true } },
      outputs: { sum: { type: { kind: 'Number' } } },
      params: z.object({}),
      run: async (i, _p, ctx) => {
        count(runs, ctx.nodeId);
        ctx.report({ adder: 'toy' });
        return { sum: (i.a as number) + ((i.b as number | undefined) ?? 0) };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.text',
      title: 'Text',
      purity: 'pure',
      inputs: {},
      outputs: { text: { type: { kind: 'Text' } } },
      params: z.object({ text: z.string().min(1) }),
      run: async (_i, p, ctx) => {
        count(runs, ctx.nodeId);
        return { text: p.text };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.noise',
      title: 'Noise grid',
      purity: 'seeded',
      inputs: {},
      outputs: { grid: { type: { kind: 'Grid' } } },
      params: z.object({
        w: z.number().int().min(1).max(64).default(3),
        h: z.number().int().min(1).max(64).default(5),
        seed: z
          .number()
          .int()
          .min(-1)
          .max(2 ** 32 - 1)
          .default(-1),
      }),
      infer: (_i, p) => ({ outputs: { grid: { kind: 'Grid', w: p.w, h: p.h } } }),
      run: async (_i, p, ctx) => {
        count(runs, ctx.nodeId);
        const next = prng(p.seed);
        return { grid: { w: p.w, h: p.h, data: Float64Array.from({ length: p.w * p.h }, next) } };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.scale',
      title: 'Scale grid',
      purity: 'pure',
      inputs: { grid: { type: { kind: 'Grid' } }, factor: { type: { kind: 'Number' }, optional: true } },
      outputs: { grid: { type: { kind: 'Grid' } } },
      params: z.object({ by: z.number().default(2) }),
      infer: (i) => ({
        outputs: { grid: grid(i.grid) },
        issues:
          typeof i.grid?.w === 'number' && i.grid.w % 2 === 0
            ? [{ field: 'grid', code: 'constraint', message: `grid width must be odd, not ${i.grid.w}` }]
            : [],
      }),
      run: async (i, p, ctx) => {
        count(runs, ctx.nodeId);
        const g = i.grid as Grid;
        const by = p.by * ((i.factor as number | undefined) ?? 1);
        return { grid: { w: g.w, h: g.h, data: g.data.map((v) => v * by) } };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.square',
      title: 'Square grid only',
      purity: 'pure',
      inputs: { grid: { type: { kind: 'Grid', w: 3, h: 3 } } },
      outputs: { total: { type: { kind: 'Number' } } },
      params: z.object({}),
      run: async (i, _p, ctx) => {
        count(runs, ctx.nodeId);
        return { total: (i.grid as Grid).data.reduce((a, b) => a + b, 0) };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.total',
      title: 'Sum a grid',
      purity: 'pure',
      inputs: { grid: { type: { kind: 'Grid' } } },
      outputs: { total: { type: { kind: 'Number' } } },
      params: z.object({}),
      run: async (i, _p, ctx) => {
        count(runs, ctx.nodeId);
        return { total: (i.grid as Grid).data.reduce((a, b) => a + b, 0) };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.spin',
      title: 'Slow loop',
      purity: 'pure',
      inputs: { value: { type: { kind: 'Number' } } },
      outputs: { value: { type: { kind: 'Number' } } },
      params: z.object({ steps: z.number().int().min(1).default(7) }),
      run: async (i, p, ctx) => {
        count(runs, ctx.nodeId);
        for (let k = 1; k <= p.steps; k++) {
          await new Promise((resolve) => setImmediate(resolve));
          ctx.signal.throwIfAborted();
          ctx.progress(k / p.steps, `step ${k}/${p.steps}`);
        }
        return { value: (i.value as number) + p.steps };
      },
    }),
    defineNode({
      ...base,
      type: 'toy.boom',
      title: 'Fails',
      purity: 'pure',
      inputs: { grid: { type: { kind: 'Grid' } } },
      outputs: { grid: { type: { kind: 'Grid' } } },
      params: z.object({}),
      run: async (_i, _p, ctx) => {
        count(runs, ctx.nodeId);
        throw new Error('the grid is too coarse');
      },
    }),
    defineNode({
      ...base,
      type: 'toy.save',
      title: 'Save',
      purity: 'sink',
      inputs: { value: { type: { kind: 'Any' } } },
      outputs: {},
      params: z.object({ name: z.string().default('out') }),
      run: async (i, p, ctx) => {
        count(runs, ctx.nodeId);
        await writeFile(join(ctx.outDir, `${p.name}.txt`), String(i.value));
        ctx.log.info(`saved ${p.name}`);
        return {};
      },
    }),
    defineNode({
      ...base,
      type: 'toy.save-file',
      title: 'Save file',
      purity: 'sink',
      writesRunFiles: true,
      inputs: { value: { type: { kind: 'Any' } } },
      outputs: { path: { type: { kind: 'Text' } } },
      params: z.object({ name: z.string().default('out') }),
      run: async (i, p, ctx) => {
        count(runs, ctx.nodeId);
        const path = join(ctx.outDir, 'saved', `${p.name}.txt`);
        await mkdir(join(ctx.outDir, 'saved'), { recursive: true });
        await writeFile(path, String(i.value));
        return { path };
      },
    }),
  ];
}

/** A registry of the toy kinds and nodes, and the run counter its nodes bump. */
export function toyEngine(): { registry: NodeRegistry; runs: RunCounts } {
  const runs: RunCounts = {};
  const registry = new NodeRegistry(toyKinds());
  for (const spec of toyNodes(runs)) registry.register(spec);
  return { registry, runs };
}

/** A valid workflow: two numbers added and saved; seeded noise scaled, totalled and saved. */
export function sampleDoc(): Record<string, unknown> {
  const link = (node: string, output: string) => ({ node, output });
  const node = (type: string, params: Record<string, unknown>, inputs: Record<string, unknown> = {}) => ({
    type,
    typeVersion: 1,
    params,
    inputs,
  });
  return {
    schemaVersion: 2,
    nodes: {
      a: node('toy.num', { value: 2.5 }),
      b: node('toy.num', { value: -7.25 }),
      sum: node('toy.add', {}, { a: link('a', 'value'), b: link('b', 'value') }),
      noise: node('toy.noise', { w: 3, h: 5, seed: 1234567 }),
      scale: node('toy.scale', { by: 3 }, { grid: link('noise', 'grid'), factor: link('sum', 'sum') }),
      total: node('toy.total', {}, { grid: link('scale', 'grid') }),
      saveSum: node('toy.save', { name: 'sum' }, { value: link('sum', 'sum') }),
      saveTotal: node('toy.save', { name: 'total' }, { value: link('total', 'total') }),
    },
    layout: { nodes: { a: { x: 0, y: 0 }, b: { x: 0, y: 120 } }, viewport: { x: 0, y: 0, zoom: 1 } },
    form: [{ node: 'a', param: 'value', label: 'First number' }],
    meta: { title: 'sample', description: 'numbers and grids' },
  };
}

/** Loads a document that must be valid. */
export function mustLoad(doc: unknown): Workflow {
  const loaded = loadWorkflow(doc);
  if (!loaded.ok) throw new Error(`expected a valid workflow: ${JSON.stringify(loaded.issues)}`);
  return loaded.workflow;
}
