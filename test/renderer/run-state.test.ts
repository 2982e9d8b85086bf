import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import type { StudioEvent } from '../../api/schemas.ts';
import { ValueCache } from '../../graph-engine/cache.ts';
import { executeWorkflow } from '../../graph-engine/execute.ts';
import { PortKindRegistry } from '../../graph-engine/ports.ts';
import { NodeRegistry } from '../../graph-engine/registry.ts';
import { defineNode, type NodeSpec } from '../../graph-engine/spec.ts';
import { loadWorkflow } from '../../graph-engine/workflow.ts';
import { applyEvent, expectedMs, nodeRunOf, type RunState, startRun } from '../../renderer/run/run-state.ts';

/** The editor folds the engine's own event stream, so these runs go through the real engine. */

function registry(gate?: { reached(): void; wait: Promise<void> }): NodeRegistry {
  const kinds = new PortKindRegistry();
  kinds.register({ name: 'Number', color: '#3a7', docs: 'A number.', fields: z.object({}) });
  const reg = new NodeRegistry(kinds);
  const specs = [
    defineNode({
      type: 't.num',
      version: 1,
      category: 'T',
      title: 'Num',
      docs: '',
      purity: 'pure',
      inputs: {},
      outputs: { value: { type: { kind: 'Number' } } },
      params: z.object({ value: z.number().default(3) }),
      run: async (_i, p) => ({ value: p.value }),
    }),
    defineNode({
      type: 't.steps',
      version: 1,
      category: 'T',
      title: 'Steps',
      docs: '',
      purity: 'seeded',
      inputs: { x: { type: { kind: 'Number' } } },
      outputs: { value: { type: { kind: 'Number' } } },
      params: z.object({ steps: z.number().int().default(5), seed: z.number().int().default(-1) }),
      run: async (i, p, ctx) => {
        for (let k = 1; k <= p.steps; k++) {
          if (k === 3 && gate) {
            gate.reached();
            await gate.wait;
          }
          ctx.signal.throwIfAborted();
          ctx.progress(k / p.steps, `step ${k}`);
        }
        ctx.preview([{ label: 'fg', dataUrl: 'data:image/png;base64,AAAA' }]);
        return { value: (i.x as number) * 2 };
      },
    }),
    defineNode({
      type: 't.sink',
      version: 1,
      category: 'T',
      title: 'Sink',
      docs: '',
      purity: 'sink',
      inputs: { x: { type: { kind: 'Number' } } },
      outputs: {},
      params: z.object({}),
      run: async () => ({}),
    }),
  ];
  for (const s of specs) reg.register(s as unknown as NodeSpec);
  return reg;
}

const workflow = () => {
  const loaded = loadWorkflow({
    schemaVersion: 2,
    nodes: {
      n: { type: 't.num', typeVersion: 1, params: { value: 7 } },
      s: {
        type: 't.steps',
        typeVersion: 1,
        params: { steps: 5, seed: 11 },
        inputs: { x: { node: 'n', output: 'value' } },
      },
      out: { type: 't.sink', typeVersion: 1, inputs: { x: { node: 's', output: 'value' } } },
    },
  });
  assert.ok(loaded.ok);
  return loaded.workflow;
};

/** Runs the workflow and folds every event as the editor does, with a clock that ticks 100 ms per event. */
async function foldRun(reg: NodeRegistry, opts: { cache?: ValueCache; signal?: AbortSignal } = {}) {
  let run: RunState = startRun('job-1');
  const seen: RunState[] = [];
  let now = 1000;
  const result = await executeWorkflow(workflow(), reg, {
    ...opts,
    outDir: await mkdtemp(join(tmpdir(), 'lf-runstate-')),
    jobId: 'job-1',
    onEvent: (e) => {
      run = applyEvent(run, e as StudioEvent, (now += 100));
      seen.push(run);
    },
  });
  return { run, seen, result };
}

test('a real run folds into finished nodes, progress with an ETA, previews and timings', async () => {
  const { run, seen, result } = await foldRun(registry());
  assert.equal(result.status, 'finished');
  assert.equal(run.state, 'finished');
  assert.deepEqual(run.targets, ['out']);
  assert.deepEqual(
    Object.entries(run.nodes).map(([id, n]) => [id, n.state, n.fraction]),
    [
      ['n', 'finished', 1],
      ['s', 'finished', 1],
      ['out', 'finished', 1],
    ],
  );
  assert.equal(run.nodes.s.previews?.[0].label, 'fg');
  assert.equal(typeof run.nodes.s.ms, 'number');
  assert.equal(run.fraction, 1);
  const midway = seen.find((r) => r.nodes.s?.state === 'running' && r.nodes.s.fraction === 0.4);
  assert.ok(midway, 'progress of the stepping node was seen');
  assert.equal(midway.nodes.s.message, 'step 2');
  assert.ok((midway.nodes.s.eta ?? -1) >= 0, 'an ETA is shown while running');
  assert.ok(
    seen.some((r) => r.state === 'running'),
    'the job was shown running before it finished',
  );
});

test('a second run over the same cache shows its nodes as cached', async () => {
  const reg = registry();
  const cache = new ValueCache();
  await foldRun(reg, { cache });
  const { run } = await foldRun(reg, { cache });
  assert.equal(run.state, 'finished');
  assert.equal(run.nodes.s.state, 'cached');
  assert.equal(run.nodes.s.ms, 0);
});

test('cancelling mid-node ends the job cancelled and the node is not left running', async () => {
  let reached!: () => void;
  const atStep3 = new Promise<void>((r) => {
    reached = r;
  });
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  const ac = new AbortController();
  const running = foldRun(registry({ reached, wait }), { signal: ac.signal });
  await atStep3;
  ac.abort();
  open();
  const { run, result } = await running;
  assert.equal(result.status, 'cancelled');
  assert.equal(run.state, 'cancelled');
  assert.equal(run.nodes.s.state, 'cancelled');
  assert.equal(run.nodes.out, undefined);
});

test('a failing node ends the job failed with the message on the node', () => {
  let r = startRun('j');
  r = applyEvent(r, { type: 'node-started', jobId: 'j', time: 1, nodeId: 'a', nodeType: 't', reason: 'new' }, 1000);
  r = applyEvent(r, { type: 'node-failed', jobId: 'j', time: 2, nodeId: 'a', message: 'out of memory' }, 1200);
  r = applyEvent(
    r,
    { type: 'job-failed', jobId: 'j', time: 3, code: 'node-failed', message: 'a: out of memory' },
    1300,
  );
  assert.deepEqual(
    [r.state, r.error, r.nodes.a.state, r.nodes.a.message],
    ['failed', 'a: out of memory', 'failed', 'out of memory'],
  );
});

test('a node edited after the run shows no state from it: its error and bar clear', () => {
  const node = { type: 't', typeVersion: 1, params: { k: 1 }, inputs: { a: { node: 'x', output: 'o' } } };
  const failed = { state: 'failed' as const, fraction: 1, message: 'boom' };
  const run = { ...startRun('j'), nodes: { n: failed }, ran: { n: node } };
  assert.equal(nodeRunOf(run, 'n', node), failed);
  assert.equal(nodeRunOf(run, 'n', { ...node, params: { k: 2 } }), undefined, 'param changed');
  assert.equal(nodeRunOf(run, 'n', { ...node, inputs: {} }), undefined, 'input unlinked');
  assert.equal(nodeRunOf(run, 'n', { ...node, mode: 'bypass' }), undefined, 'bypassed');
  assert.equal(
    nodeRunOf({ ...run, ran: undefined }, 'n', { ...node, params: { k: 2 } }),
    failed,
    'no snapshot: as before',
  );
});

test('the overall bar weighs each node the job runs by its expected time, not by counting nodes', () => {
  // measured here before: a 10-step sampler run took 5 s, a decoder 1 s; the text node was never timed
  const expected = {
    text: expectedMs(undefined, undefined),
    sampler: expectedMs({ ms: 5000, steps: 10 }, 20),
    decode: expectedMs({ ms: 1000 }, undefined),
    unused: 1000,
  };
  assert.deepEqual(expected, { text: 1000, sampler: 10000, decode: 1000, unused: 1000 });
  const ran: RunState['ran'] = {
    text: { type: 't.text', typeVersion: 1, params: {}, inputs: {} },
    sampler: {
      type: 't.steps',
      typeVersion: 1,
      params: { steps: 20 },
      inputs: { x: { node: 'text', output: 'value' } },
    },
    decode: { type: 't.decode', typeVersion: 1, params: {}, inputs: { x: { node: 'sampler', output: 'value' } } },
    unused: { type: 't.text', typeVersion: 1, params: {}, inputs: {} },
  };
  const t = 0;
  let run: RunState = { ...startRun('j'), ran, expected };
  run = applyEvent(run, { type: 'job-started', jobId: 'j', time: t, targets: ['decode'] }, t);
  run = applyEvent(
    run,
    { type: 'node-started', jobId: 'j', time: t, nodeId: 'text', nodeType: 't.text', reason: '' },
    t,
  );
  run = applyEvent(run, { type: 'node-finished', jobId: 'j', time: t, nodeId: 'text', ms: 900, cached: false }, t);
  // 1 s done of the 12 s the job needs (the unused node is no target's input)
  assert.equal(run.fraction, 1000 / 12000);
  run = applyEvent(run, { type: 'node-progress', jobId: 'j', time: t, nodeId: 'sampler', fraction: 0.5 }, t);
  assert.equal(run.fraction, 6000 / 12000);
  assert.equal(run.nodes.text.nodeType, 't.text');
});
