import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { ValueCache } from '../../graph-engine/cache.ts';
import { type EngineEvent, EngineEventSchema } from '../../graph-engine/events.ts';
import { executeWorkflow } from '../../graph-engine/execute.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import { type Grid, mustLoad, sampleDoc, toyEngine } from './engine-toys.ts';

let outDir = '';
before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'lf-exec-'));
});
after(() => rm(outDir, { recursive: true, force: true }));

const link = (node: string, output: string) => ({ node, output });

test('a run computes the sinks by default, writes their files, and reports facts', async () => {
  const { registry, runs } = toyEngine();
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(mustLoad(sampleDoc()), registry, {
    outDir,
    jobId: 'job-7',
    onEvent: (e) => events.push(e),
  });
  assert.equal(result.status, 'finished');
  assert.equal(await readFile(join(outDir, 'sum.txt'), 'utf8'), String(2.5 - 7.25));
  const total = Number(await readFile(join(outDir, 'total.txt'), 'utf8'));
  assert.ok(Number.isFinite(total) && total !== 0);
  assert.deepEqual(Object.keys(result.outputs).sort(), ['saveSum', 'saveTotal']);
  assert.equal(Object.keys(runs).length, 8);
  assert.deepEqual(result.facts.sum, { adder: 'toy' });
  assert.deepEqual(result.facts.noise, { seed: 1234567 });
  for (const e of events) {
    assert.equal(EngineEventSchema.safeParse(e).success, true, JSON.stringify(e));
    assert.equal(e.jobId, 'job-7');
  }
  assert.equal(events[0].type, 'job-started');
  assert.equal(events.at(-1)?.type, 'job-finished');
  assert.ok(events.some((e) => e.type === 'log' && e.nodeId === 'saveSum' && e.message === 'saved sum'));
});

test('only what the targets need runs, and their outputs come back', async () => {
  const { registry, runs } = toyEngine();
  const result = await executeWorkflow(mustLoad(sampleDoc()), registry, { outDir, targets: ['sum', 'noise'] });
  assert.equal(result.status, 'finished');
  assert.deepEqual(Object.keys(runs).sort(), ['a', 'b', 'noise', 'sum']);
  assert.deepEqual(Object.keys(result.nodes).sort(), ['a', 'b', 'noise', 'sum']);
  assert.equal(result.outputs.sum.sum, 2.5 - 7.25);
  const grid = result.outputs.noise.grid as Grid;
  assert.equal(grid.data.length, 15);
});

test('an invalid workflow fails before any node runs, with every issue', async () => {
  const { registry, runs } = toyEngine();
  const doc = sampleDoc() as { nodes: Record<string, { params: Record<string, unknown> }> };
  doc.nodes.a.params.value = 'two';
  doc.nodes.noise.params.w = 0;
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(mustLoad(doc), registry, { outDir, onEvent: (e) => events.push(e) });
  assert.equal(result.status, 'failed');
  assert.deepEqual(runs, {});
  assert.deepEqual(result.issues?.map((i) => `${i.nodeId}.${i.field}`).sort(), ['a.value', 'noise.w']);
  assert.equal(result.error?.code, 'invalid-workflow');
  assert.deepEqual(
    events.map((e) => e.type),
    ['job-failed'],
  );
});

test('progress events carry an ETA computed by the engine', async () => {
  const { registry } = toyEngine();
  const wf = mustLoad({
    schemaVersion: 2,
    nodes: {
      n: { type: 'toy.num', typeVersion: 1, params: { value: 3 } },
      s: { type: 'toy.spin', typeVersion: 1, params: { steps: 9 }, inputs: { value: link('n', 'value') } },
    },
  });
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(wf, registry, { outDir, onEvent: (e) => events.push(e) });
  assert.equal(result.outputs.s.value, 12);
  const progress = events.filter((e) => e.type === 'node-progress');
  assert.equal(progress.length, 9);
  assert.deepEqual(
    progress.map((e) => e.fraction),
    Array.from({ length: 9 }, (_, k) => (k + 1) / 9),
  );
  assert.ok(progress.every((e) => typeof e.etaMs === 'number' && e.etaMs >= 0));
  assert.equal(progress.at(-1)?.etaMs, 0);
  assert.equal(progress[3].message, 'step 4/9');
});

test('cancelling stops the running node at its next check and runs nothing after it', async () => {
  const { registry, runs } = toyEngine();
  const wf = mustLoad({
    schemaVersion: 2,
    nodes: {
      n: { type: 'toy.num', typeVersion: 1, params: { value: 3 } },
      s: { type: 'toy.spin', typeVersion: 1, params: { steps: 1000 }, inputs: { value: link('n', 'value') } },
      out: { type: 'toy.save', typeVersion: 1, params: { name: 'never' }, inputs: { value: link('s', 'value') } },
    },
  });
  const controller = new AbortController();
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(wf, registry, {
    outDir,
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'node-progress' && e.fraction >= 0.013) controller.abort();
    },
  });
  assert.equal(result.status, 'cancelled');
  assert.equal(result.error, undefined);
  assert.deepEqual(runs, { n: 1, s: 1 });
  const fractions = events.flatMap((e) => (e.type === 'node-progress' ? [e.fraction] : []));
  assert.equal(fractions.at(-1), 0.013, 'the loop stopped at the first check after the abort');
  assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'job-cancelled', nodeId: 's' });
  assert.ok(!events.some((e) => e.type === 'node-finished' && e.nodeId === 's'));
  await assert.rejects(readFile(join(outDir, 'never.txt')));
});

test('a job cancelled before it starts runs no node', async () => {
  const { registry, runs } = toyEngine();
  const result = await executeWorkflow(mustLoad(sampleDoc()), registry, { outDir, signal: AbortSignal.abort() });
  assert.equal(result.status, 'cancelled');
  assert.deepEqual(runs, {});
});

test('a failing node fails the job naming the node, its inputs shapes and the cause', async () => {
  const { registry, runs } = toyEngine();
  const wf = mustLoad({
    schemaVersion: 2,
    nodes: {
      g: { type: 'toy.noise', typeVersion: 1, params: { w: 7, h: 3, seed: 5 } },
      x: { type: 'toy.boom', typeVersion: 1, inputs: { grid: link('g', 'grid') } },
      t: { type: 'toy.total', typeVersion: 1, inputs: { grid: link('x', 'grid') } },
    },
  });
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(wf, registry, { outDir, onEvent: (e) => events.push(e) });
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.nodeId, 'x');
  assert.equal(result.error?.code, 'node-failed');
  assert.deepEqual(result.error?.inputs, { grid: 'Grid 7×3' });
  assert.match(
    result.error?.message ?? '',
    /node "x" \(toy\.boom\) failed: the grid is too coarse \(inputs: grid: Grid 7×3\)/,
  );
  assert.ok(result.error?.cause instanceof Error);
  assert.deepEqual(runs, { g: 1, x: 1 });
  assert.ok(events.some((e) => e.type === 'node-failed' && e.nodeId === 'x'));
  assert.equal(events.at(-1)?.type, 'job-failed');
});

test('a node that leaves out a declared output fails with that output named', async () => {
  const { registry } = toyEngine();
  registry.register(
    defineNode({
      type: 'toy.lazy',
      version: 1,
      category: 'Toy',
      title: 'Lazy',
      docs: '',
      purity: 'pure',
      inputs: {},
      outputs: { a: { type: { kind: 'Number' } }, b: { type: { kind: 'Number' } } },
      params: z.object({}),
      run: async () => ({ a: 1 }),
    }),
  );
  const wf = mustLoad({ schemaVersion: 2, nodes: { l: { type: 'toy.lazy', typeVersion: 1 } } });
  const result = await executeWorkflow(wf, registry, { outDir });
  assert.equal(result.status, 'failed');
  assert.match(result.error?.message ?? '', /returned no value for its output "b"/);
});

/** A toy sink that records when it starts and ends and waits on `gate` (its signal aborts the wait). */
function gatedSink(type: string, log: string[], gate: Promise<void>) {
  return defineNode({
    type,
    version: 1,
    category: 'Toy',
    title: type,
    docs: '',
    purity: 'sink',
    inputs: { value: { type: { kind: 'Number' } } },
    outputs: {},
    params: z.object({}),
    run: async (_inputs, _params, ctx) => {
      log.push(`${ctx.nodeId} start`);
      await new Promise<void>((resolve, reject) => {
        gate.then(resolve);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
      log.push(`${ctx.nodeId} end`);
      return {};
    },
  });
}

test('independent sinks run at the same time: each starts before any of them ends', async () => {
  const { registry } = toyEngine();
  const log: string[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  registry.register(gatedSink('toy.gated', log, gate));
  const wf = mustLoad({
    schemaVersion: 2,
    nodes: {
      n: { type: 'toy.num', typeVersion: 1, params: { value: 2 } },
      a: { type: 'toy.gated', typeVersion: 1, inputs: { value: link('n', 'value') } },
      b: { type: 'toy.gated', typeVersion: 1, inputs: { value: link('n', 'value') } },
      c: { type: 'toy.gated', typeVersion: 1, inputs: { value: link('n', 'value') } },
    },
  });
  const running = executeWorkflow(wf, registry, { outDir });
  // one at a time, the first sink would wait on the gate forever and the others would never start
  while (log.length < 3) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log.sort(), ['a start', 'b start', 'c start']);
  open();
  const result = await running;
  assert.equal(result.status, 'finished');
  assert.deepEqual(Object.keys(result.nodes).sort(), ['a', 'b', 'c', 'n']);
});

test('a failing branch stops the nodes running beside it, starts nothing more, and is the job error', async () => {
  const { registry, runs } = toyEngine();
  const log: string[] = [];
  registry.register(gatedSink('toy.gated', log, new Promise<void>(() => {})));
  const wf = mustLoad({
    schemaVersion: 2,
    nodes: {
      g: { type: 'toy.noise', typeVersion: 1, params: { w: 7, h: 3, seed: 5 } },
      n: { type: 'toy.num', typeVersion: 1, params: { value: 2 } },
      wait: { type: 'toy.gated', typeVersion: 1, inputs: { value: link('n', 'value') } },
      x: { type: 'toy.boom', typeVersion: 1, inputs: { grid: link('g', 'grid') } },
      t: { type: 'toy.total', typeVersion: 1, inputs: { grid: link('x', 'grid') } },
    },
  });
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(wf, registry, {
    outDir,
    targets: ['wait', 't'],
    onEvent: (e) => events.push(e),
  });
  assert.equal(result.status, 'failed');
  assert.equal(result.error?.nodeId, 'x');
  assert.deepEqual(log, ['wait start'], 'the waiting sink was stopped, not finished');
  assert.equal(runs.t, undefined);
  assert.deepEqual(
    events.filter((e) => e.type === 'node-failed').map((e) => e.nodeId),
    ['x'],
  );
  assert.equal(events.at(-1)?.type, 'job-failed');
});

test('prepare runs when the job starts for sinks that will run, reaches run, and is disposed at the end', async () => {
  const { registry } = toyEngine();
  const log: string[] = [];
  registry.register(
    defineNode({
      type: 'toy.prepared-save',
      version: 1,
      category: 'Toy',
      title: 'Prepared save',
      docs: '',
      purity: 'sink',
      writesRunFiles: true,
      inputs: { value: { type: { kind: 'Number' } } },
      outputs: {},
      params: z.object({ name: z.string() }),
      prepare: (params) => {
        log.push(`prepare ${params.name}`);
        return { dispose: async () => void log.push(`dispose ${params.name}`) };
      },
      run: async (inputs, params, ctx) => {
        log.push(`run ${params.name} with ${ctx.prepared ? 'prepared' : 'nothing'}`);
        await writeFile(join(ctx.outDir, `${params.name}.txt`), String(inputs.value));
        return {};
      },
    }),
  );
  const wf = (value: number) =>
    mustLoad({
      schemaVersion: 2,
      nodes: {
        n: { type: 'toy.num', typeVersion: 1, params: { value } },
        s: { type: 'toy.spin', typeVersion: 1, params: { steps: 3 }, inputs: { value: link('n', 'value') } },
        a: { type: 'toy.prepared-save', typeVersion: 1, params: { name: 'a' }, inputs: { value: link('s', 'value') } },
        b: { type: 'toy.prepared-save', typeVersion: 1, params: { name: 'b' }, inputs: { value: link('n', 'value') } },
      },
    });
  const cache = new ValueCache();
  const events: string[] = [];
  const onEvent = (e: EngineEvent) => {
    if (e.type === 'node-started') log.push(`start ${e.nodeId}`);
    events.push(e.type);
  };
  assert.equal((await executeWorkflow(wf(1), registry, { outDir, cache, onEvent })).status, 'finished');
  assert.deepEqual([...log.slice(0, 2).sort(), log[2]], ['prepare a', 'prepare b', 'start n'], 'prepared first');
  assert.ok(log.includes('run a with prepared') && log.includes('run b with prepared'));
  assert.deepEqual(log.slice(-2).sort(), ['dispose a', 'dispose b'], 'disposed after the last node');
  // b's input is unchanged: a cache hit, so only a is prepared again
  log.length = 0;
  const again = await executeWorkflow(wf(1), registry, { outDir, cache, onEvent, targets: ['a', 'b'] });
  assert.equal(again.nodes.b.cached, true);
  assert.equal(again.nodes.a.cached, true);
  assert.ok(!log.some((l) => l.startsWith('prepare')), 'nothing prepared for cache hits');
  log.length = 0;
  await executeWorkflow(wf(2), registry, { outDir, cache });
  assert.deepEqual(log.filter((l) => l.startsWith('prepare')).sort(), ['prepare a', 'prepare b']);
});

test('a cached sink brings back only the files it reported, not those of sinks that ran beside it', async () => {
  const { registry } = toyEngine();
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  // `slow` writes its file only after `fast` has written its own, so both run at once
  registry.register(
    defineNode({
      type: 'toy.reported-save',
      version: 1,
      category: 'Toy',
      title: 'Reported save',
      docs: '',
      purity: 'sink',
      writesRunFiles: true,
      inputs: { value: { type: { kind: 'Number' } } },
      outputs: {},
      params: z.object({ name: z.string(), waits: z.boolean() }),
      run: async (inputs, params, ctx) => {
        if (params.waits) await gate;
        await writeFile(join(ctx.outDir, `${params.name}.txt`), String(inputs.value));
        if (!params.waits) open();
        ctx.report({ files: [`${params.name}.txt`] });
        return {};
      },
    }),
  );
  const save = (name: string, waits: boolean) => ({
    type: 'toy.reported-save',
    typeVersion: 1,
    params: { name, waits },
    inputs: { value: link('n', 'value') },
  });
  const n = { type: 'toy.num', typeVersion: 1, params: { value: 3 } };
  const cache = new ValueCache();
  const [first, second] = [join(outDir, 'reported-1'), join(outDir, 'reported-2')];
  await Promise.all([mkdir(first), mkdir(second)]);
  const both = mustLoad({ schemaVersion: 2, nodes: { n, slow: save('slow', true), fast: save('fast', false) } });
  assert.equal((await executeWorkflow(both, registry, { outDir: first, cache })).status, 'finished');
  // the next run has only `slow`: a cache hit, whose folder must not get `fast`'s file from the first run
  const alone = mustLoad({ schemaVersion: 2, nodes: { n, slow: save('slow', true) } });
  const result = await executeWorkflow(alone, registry, { outDir: second, cache });
  assert.equal(result.nodes.slow.cached, true);
  assert.deepEqual((await readdir(second)).sort(), ['slow.txt']);
});

test('previews given as a function are rendered only when the job has a listener', async () => {
  const { registry } = toyEngine();
  let rendered = 0;
  registry.register(
    defineNode({
      type: 'toy.previewer',
      version: 1,
      category: 'Toy',
      title: 'Previewer',
      docs: '',
      purity: 'pure',
      inputs: {},
      outputs: { value: { type: { kind: 'Number' } } },
      params: z.object({}),
      run: async (_inputs, _params, ctx) => {
        ctx.preview(() => {
          rendered++;
          return [{ label: 'x', dataUrl: 'data:image/png;base64,AAAA' }];
        });
        return { value: 1 };
      },
    }),
  );
  const wf = mustLoad({ schemaVersion: 2, nodes: { p: { type: 'toy.previewer', typeVersion: 1, params: {} } } });
  assert.equal((await executeWorkflow(wf, registry, { outDir, targets: ['p'] })).status, 'finished');
  assert.equal(rendered, 0, 'nobody listens: not rendered');
  const events: EngineEvent[] = [];
  await executeWorkflow(wf, registry, { outDir, targets: ['p'], onEvent: (e) => events.push(e) });
  assert.equal(rendered, 1);
  const preview = events.find((e) => e.type === 'node-preview');
  assert.deepEqual(preview?.type === 'node-preview' && preview.previews, [
    { label: 'x', dataUrl: 'data:image/png;base64,AAAA' },
  ]);
});
