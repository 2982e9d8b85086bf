import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { executeWorkflow } from '../../graph-engine/execute.ts';
import { resolveSeeds } from '../../graph-engine/seeds.ts';
import { mustLoad, prng, toyEngine } from './engine-toys.ts';

const doc = {
  schemaVersion: 2,
  nodes: {
    drawn: { type: 'toy.noise', typeVersion: 1, params: { seed: -1, w: 5 } },
    absent: { type: 'toy.noise', typeVersion: 1, params: {} },
    given: { type: 'toy.noise', typeVersion: 1, params: { seed: 4294967295 } },
    plain: { type: 'toy.num', typeVersion: 1, params: { value: -1 } },
    unknown: { type: 'pack.other', typeVersion: 1, params: { seed: -1 } },
  },
};

test('seeds of -1 or absent become concrete uint32s; given seeds and other nodes stay', () => {
  const { registry } = toyEngine();
  const wf = mustLoad(doc);
  const draws = [2 ** 30 + 7, 2 ** 32 - 2];
  let i = 0;
  const { workflow, seeds } = resolveSeeds(wf, registry, () => draws[i++]);
  assert.equal(i, 2, 'one draw per unresolved seeded node');
  assert.deepEqual(seeds, { drawn: 2 ** 30 + 7, absent: 2 ** 32 - 2, given: 4294967295 });
  assert.deepEqual(workflow.nodes.drawn.params, { seed: 2 ** 30 + 7, w: 5 });
  assert.deepEqual(workflow.nodes.absent.params, { seed: 2 ** 32 - 2 });
  assert.equal(workflow.nodes.given, wf.nodes.given, 'untouched nodes are shared, not copied');
  assert.deepEqual(workflow.nodes.plain.params, { value: -1 });
  assert.deepEqual(workflow.nodes.unknown.params, { seed: -1 });
  assert.equal(wf.nodes.drawn.params.seed, -1, 'the input workflow is not changed');
});

test('the default source draws different uint32 seeds, and resolving twice changes nothing more', () => {
  const { registry } = toyEngine();
  const rand = prng(99);
  const first = resolveSeeds(mustLoad(doc), registry);
  const second = resolveSeeds(mustLoad(doc), registry);
  for (const seed of [...Object.values(first.seeds), ...Object.values(second.seeds)]) {
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
  }
  assert.notEqual(first.seeds.drawn, second.seeds.drawn);
  const again = resolveSeeds(first.workflow, registry, () => Math.floor(rand() * 2 ** 32));
  assert.deepEqual(again.seeds, first.seeds);
});

test('a run resolves leftover seeds itself and records them, so noise is reproducible', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'lf-seeds-'));
  try {
    const { registry } = toyEngine();
    const run = await executeWorkflow(mustLoad(doc), registry, { outDir, targets: ['drawn'] });
    const seed = run.facts.drawn.seed as number;
    assert.ok(Number.isInteger(seed));
    const fixed = mustLoad({ ...doc, nodes: { drawn: { ...doc.nodes.drawn, params: { seed, w: 5 } } } });
    const rerun = await executeWorkflow(fixed, registry, { outDir });
    assert.deepEqual(rerun.outputs.drawn.grid, run.outputs.drawn.grid);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
