import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cacheKey, type KeyIngredients, ValueCache } from '../../graph-engine/cache.ts';
import type { EngineEvent } from '../../graph-engine/events.ts';
import { executeWorkflow } from '../../graph-engine/execute.ts';
import type { Workflow } from '../../graph-engine/workflow.ts';
import { mustLoad, prng, sampleDoc, toyEngine } from './engine-toys.ts';

let outDir = '';
before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'lf-cache-'));
});
after(() => rm(outDir, { recursive: true, force: true }));

function withParam(wf: Workflow, nodeId: string, name: string, value: unknown): Workflow {
  const node = wf.nodes[nodeId];
  return { ...wf, nodes: { ...wf.nodes, [nodeId]: { ...node, params: { ...node.params, [name]: value } } } };
}

/** Runs the workflow and returns the run counts of this run alone, the reasons, and the cache hits. */
async function runOnce(engine: ReturnType<typeof toyEngine>, wf: Workflow, cache: ValueCache) {
  const before = { ...engine.runs };
  const events: EngineEvent[] = [];
  const result = await executeWorkflow(wf, engine.registry, { cache, outDir, onEvent: (e) => events.push(e) });
  assert.equal(result.status, 'finished', JSON.stringify(result.error));
  const ran = Object.keys(engine.runs)
    .filter((id) => engine.runs[id] !== before[id])
    .sort();
  const reasons = Object.fromEntries(events.flatMap((e) => (e.type === 'node-started' ? [[e.nodeId, e.reason]] : [])));
  const hits = events.flatMap((e) => (e.type === 'node-cache-hit' ? [e.nodeId] : [])).sort();
  return { result, ran, reasons, hits };
}

test('changing one param re-runs only that node and what reads from it, saying why', async () => {
  const engine = toyEngine();
  const cache = new ValueCache();
  const wf = mustLoad(sampleDoc());
  const first = await runOnce(engine, wf, cache);
  assert.deepEqual(first.ran, ['a', 'b', 'noise', 'saveSum', 'saveTotal', 'scale', 'sum', 'total']);
  assert.equal(first.reasons.a, 'no cache entry');

  const changed = withParam(wf, 'b', 'value', 11.125);
  const second = await runOnce(engine, changed, cache);
  assert.deepEqual(second.ran, ['b', 'saveSum', 'saveTotal', 'scale', 'sum', 'total']);
  assert.deepEqual(second.hits, ['a', 'noise']);
  assert.deepEqual(second.reasons, {
    b: 'params changed: value',
    sum: 'upstream changed: b',
    scale: 'upstream changed: sum',
    total: 'upstream changed: scale',
    saveSum: 'sinks always run',
    saveTotal: 'sinks always run',
  });
  assert.equal(second.result.nodes.a.cached, true);
  assert.equal(second.result.nodes.b.cached, false);
  assert.deepEqual(second.result.facts.sum, { adder: 'toy' }, 'facts of a node that ran');

  const third = await runOnce(engine, changed, cache);
  assert.deepEqual(third.ran, ['saveSum', 'saveTotal'], 'nothing else changed');
  assert.deepEqual(third.result.facts.sum, { adder: 'toy' }, 'a cache hit keeps the facts it had');

  const reseeded = await runOnce(engine, withParam(changed, 'noise', 'seed', 7), cache);
  assert.deepEqual(reseeded.ran, ['noise', 'saveSum', 'saveTotal', 'scale', 'total']);
  assert.equal(reseeded.reasons.noise, 'seed changed');

  // A param written out at its default value is the same node as one left to the default.
  const explicitDefault = withParam(changed, 'b', 'value', 11.125);
  delete (explicitDefault.nodes.a.params as Record<string, unknown>).value;
  const defaults = await runOnce(engine, withParam(explicitDefault, 'a', 'value', 1), cache);
  const implicit = await runOnce(engine, explicitDefault, cache);
  assert.ok(defaults.ran.includes('a'));
  assert.ok(!implicit.ran.includes('a'), 'value: 1 and no value (default 1) share a key');
});

test('a cache hit hands out the very value cached, not a copy', async () => {
  const engine = toyEngine();
  const cache = new ValueCache();
  const wf = mustLoad(sampleDoc());
  const targets = ['noise'];
  const one = await executeWorkflow(wf, engine.registry, { cache, outDir, targets });
  const two = await executeWorkflow(wf, engine.registry, { cache, outDir, targets });
  assert.equal(one.outputs.noise.grid, two.outputs.noise.grid, 'the same object, not a copy');
  const stats = cache.stats();
  assert.equal(stats.entries, 1);
  assert.equal(stats.hits, 1);
});

test('the cache stays within its memory bound, evicting the least recently used', () => {
  const rand = prng(20240611);
  const cache = new ValueCache({ maxBytes: 1000 });
  const sizes = Array.from({ length: 40 }, () => 1 + Math.floor(rand() * 317));
  const alive: string[] = []; // recency order, oldest first
  for (const [i, bytes] of sizes.entries()) {
    const key = `k${i}`;
    cache.set(key, { v: new Float64Array(3).fill(i) }, {}, bytes);
    alive.push(key);
    let used = alive.reduce((sum, k) => sum + sizes[Number(k.slice(1))], 0);
    while (used > 1000) used -= sizes[Number((alive.shift() as string).slice(1))];
    if (i % 3 === 0 && alive.length > 1) {
      const touched = alive[Math.floor(rand() * alive.length)];
      assert.ok(cache.get(touched));
      alive.splice(alive.indexOf(touched), 1);
      alive.push(touched);
    }
    const stats = cache.stats();
    assert.ok(stats.bytes <= 1000, `bytes ${stats.bytes} over the bound`);
    assert.equal(stats.entries, alive.length);
    for (const k of alive) assert.ok(cache.has(k), `${k} should still be cached`);
  }
  assert.ok(cache.stats().evictions > 0);
  cache.set('huge', {}, {}, 1001);
  assert.equal(cache.has('huge'), false, 'an entry larger than the bound is not stored');
  assert.equal(cache.stats().tooLarge, 1);
});

test("a bound too small for a node's output re-runs it and says it was evicted", async () => {
  const engine = toyEngine();
  // The noise grid is 3×5 doubles = 120 bytes by the Grid kind's sizeOf; room for one grid only.
  const cache = new ValueCache({ maxBytes: 200 });
  const wf = mustLoad(sampleDoc());
  await runOnce(engine, wf, cache);
  const again = await runOnce(engine, wf, cache);
  assert.equal(again.reasons.noise, 'evicted from cache');
  assert.ok(cache.stats().bytes <= 200);
});

test('cache entries reject mutation and keys change with every ingredient', () => {
  const cache = new ValueCache();
  const entry = cache.set('k', { x: 1 }, { f: 2 }, 8);
  assert.throws(() => {
    (entry.outputs as Record<string, unknown>).x = 2;
  }, TypeError);
  const base: KeyIngredients = { type: 't', version: 1, params: { a: '1', b: '"x"' }, upstream: {} };
  const variants: KeyIngredients[] = [
    { ...base, version: 2 },
    { ...base, params: { a: '2', b: '"x"' } },
    { ...base, seed: 5 },
    { ...base, upstream: { in: { node: 'n', key: 'abc/out' } } },
    { ...base, externalKey: 'sha:1' },
  ];
  const keys = new Set([base, ...variants].map(cacheKey));
  assert.equal(keys.size, variants.length + 1);
  assert.equal(cacheKey({ ...base, params: { b: '"x"', a: '1' } }), cacheKey(base), 'key order does not matter');
});

test('a sink that only writes run files is not re-run: its files are linked into the new run folder', async () => {
  const engine = toyEngine();
  const cache = new ValueCache();
  const doc = {
    schemaVersion: 2,
    nodes: {
      a: { type: 'toy.num', typeVersion: 1, params: { value: 2.5 }, inputs: {} },
      file: {
        type: 'toy.save-file',
        typeVersion: 1,
        params: { name: 'a' },
        inputs: { value: { node: 'a', output: 'value' } },
      },
    },
  };
  const wf = mustLoad(doc);
  const run = async (w: Workflow, dir: string) => {
    const events: EngineEvent[] = [];
    const before = engine.runs.file ?? 0;
    const result = await executeWorkflow(w, engine.registry, { cache, outDir: dir, onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'finished', JSON.stringify(result.error));
    const started = events.find((e) => e.type === 'node-started' && e.nodeId === 'file');
    return {
      ran: (engine.runs.file ?? 0) > before,
      reason: started?.type === 'node-started' ? started.reason : undefined,
      path: (result.outputs.file as { path: string }).path,
    };
  };
  const [one, two, three] = ['one', 'two', 'three'].map((d) => join(outDir, 'files', d));

  assert.equal((await run(wf, one)).ran, true);
  const again = await run(wf, two);
  assert.equal(again.ran, false, 'unchanged inputs: the sink is a cache hit');
  assert.equal(again.path, join(two, 'saved', 'a.txt'), 'its output names the new run folder');
  assert.equal(await readFile(again.path, 'utf8'), '2.5');

  const changed = await run(withParam(wf, 'a', 'value', 4), three);
  assert.equal(changed.ran, true, 'a changed input re-runs it');
  assert.equal(await readFile(join(three, 'saved', 'a.txt'), 'utf8'), '4');

  await rm(join(one, 'saved', 'a.txt'));
  const gone = await run(wf, join(outDir, 'files', 'four'));
  assert.equal(gone.ran, true);
  assert.equal(gone.reason, 'its earlier files are gone');
  assert.equal(await readFile(gone.path, 'utf8'), '2.5');
});
