import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ValueCache } from '../../graph-engine/cache.ts';
import { ManifestSchema } from '../../graph-engine/manifest.ts';
import { runJob } from '../../graph-engine/run-job.ts';
import { resolveSeeds } from '../../graph-engine/seeds.ts';
import { loadWorkflow, type Workflow } from '../../graph-engine/workflow.ts';
import { toyRegistry } from './queue-toy-nodes.ts';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));

function sumWorkflow(flags: string, extra: Record<string, unknown> = {}): Workflow {
  const loaded = loadWorkflow({
    schemaVersion: 2,
    meta: { title: 'sum' },
    nodes: {
      a: { type: 'toy.number', typeVersion: 1, params: { value: 3.25 }, inputs: {} },
      b: { type: 'toy.number', typeVersion: 1, params: { value: -1.5, scale: 5 }, inputs: {} },
      s: {
        type: 'toy.add',
        typeVersion: 1,
        params: {},
        inputs: { a: { node: 'a', output: 'value' }, b: { node: 'b', output: 'value' } },
      },
      g: {
        type: 'toy.gate',
        typeVersion: 1,
        params: { name: 'sum', flags, wait: false },
        inputs: { value: { node: 's', output: 'sum' } },
      },
      ...extra,
    },
  });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  return loaded.workflow;
}

async function run(outDir: string, workflow: Workflow, opts: { cache?: ValueCache; targets?: string[] } = {}) {
  const registry = toyRegistry();
  const { workflow: seeded, seeds } = resolveSeeds(workflow, registry);
  const job = {
    id: 'job-1',
    title: 'sum',
    workflow: seeded,
    seeds,
    outDir,
    targets: opts.targets,
  };
  return runJob(job, { registry, cache: opts.cache });
}

test('the manifest records app version, workflow, resolved params, facts, timings and files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-manifest-'));
  try {
    const workflow = sumWorkflow(dir);
    const { manifest, manifestPath, result } = await run(join(dir, 'out'), workflow);
    assert.equal(result.status, 'finished');
    assert.equal(manifestPath, join(dir, 'out', 'manifest.json'));
    const onDisk = ManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
    assert.deepEqual(onDisk, manifest);
    assert.equal(manifest.app.version, pkg.version);
    assert.equal(manifest.status, 'finished');
    assert.equal(manifest.error, undefined);
    assert.deepEqual(Object.keys(manifest.workflow.nodes).sort(), ['a', 'b', 'g', 's']);
    assert.deepEqual(manifest.nodes.a.params, { value: 3.25, scale: 2 }, 'defaults filled in');
    assert.deepEqual(manifest.nodes.b.params, { value: -1.5, scale: 5 });
    assert.equal(manifest.nodes.s.type, 'toy.add');
    for (const id of ['a', 'b', 's', 'g']) assert.equal(manifest.nodes[id].timing?.cached, false, id);
    const facts = JSON.stringify(manifest.facts);
    assert.ok(facts.includes('toy-cpu') && facts.includes('ab12cd'), facts);
    assert.deepEqual(manifest.files, [{ path: 'sum.txt', bytes: String(3.25 * 2 - 1.5 * 5).length }]);
    assert.ok(Date.parse(manifest.startedAt) <= Date.parse(manifest.finishedAt));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a re-run with a shared cache records cache hits; the sink runs again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-manifest-'));
  try {
    const cache = new ValueCache();
    const workflow = sumWorkflow(dir);
    await run(join(dir, 'first'), workflow, { cache });
    const { manifest } = await run(join(dir, 'second'), workflow, { cache });
    assert.equal(manifest.nodes.s.timing?.cached, true);
    assert.equal(manifest.nodes.a.timing?.cached, true);
    assert.equal(manifest.nodes.g.timing?.cached, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failed run still writes its manifest, naming the failing node', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-manifest-'));
  try {
    const workflow = sumWorkflow(dir, {
      f: { type: 'toy.fail', typeVersion: 1, params: {}, inputs: { value: { node: 'a', output: 'value' } } },
    });
    const { manifest } = await run(join(dir, 'out'), workflow, { targets: ['f'] });
    assert.equal(manifest.status, 'failed');
    assert.match(manifest.error?.message ?? '', /toy failure/);
    assert.equal(manifest.error?.nodeId, 'f');
    assert.deepEqual(manifest.targets, ['f']);
    assert.equal(manifest.nodes.g.timing, undefined, 'nodes outside the target do not run');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
