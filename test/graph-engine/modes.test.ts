import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { executeWorkflow } from '../../graph-engine/execute.ts';
import { inferGraphTypes } from '../../graph-engine/infer.ts';
import { activeGraph } from '../../graph-engine/modes.ts';
import { validateWorkflow } from '../../graph-engine/validate.ts';
import type { Workflow } from '../../graph-engine/workflow.ts';
import { mustLoad, sampleDoc, toyEngine } from './engine-toys.ts';

/** Bypass passes an input of the output's kind on; mute leaves the node and what needs it out of the run. */

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-modes-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function withMode(wf: Workflow, id: string, mode: 'bypass' | 'mute'): Workflow {
  return { ...wf, nodes: { ...wf.nodes, [id]: { ...wf.nodes[id], mode } } };
}

test('a bypassed node passes its first connected input of the same kind on, through chains', async () => {
  const { registry, runs } = toyEngine();
  const wf = withMode(mustLoad(sampleDoc()), 'scale', 'bypass');
  const active = activeGraph(wf, registry);
  assert.deepEqual(active.workflow.nodes.total.inputs.grid, { node: 'noise', output: 'grid' });
  assert.equal(active.skipped.scale, 'bypassed');
  assert.ok(!('scale' in active.workflow.nodes));
  assert.deepEqual(validateWorkflow(wf, registry), []);
  // The editor's edge out of the bypassed node is typed like what it passes on.
  assert.deepEqual(inferGraphTypes(wf, registry).outputs.scale.grid, { kind: 'Grid', w: 3, h: 5 });
  await mkdir(join(dir, 'bypass'));
  const result = await executeWorkflow(wf, registry, { outDir: join(dir, 'bypass') });
  assert.equal(result.status, 'finished', result.error?.message);
  assert.equal(runs.scale ?? 0, 0, 'the bypassed node did not run');
  assert.equal(runs.total, 1);
  // Two bypassed nodes in a row pass through both.
  const chain = withMode(withMode(mustLoad(sampleDoc()), 'scale', 'bypass'), 'sum', 'bypass');
  assert.deepEqual(activeGraph(chain, registry).workflow.nodes.saveSum.inputs.value, { node: 'a', output: 'value' });
});

test('bypass is refused, with a reason, when an output that is read has no input of its kind', () => {
  const { registry } = toyEngine();
  const wf = withMode(mustLoad(sampleDoc()), 'total', 'bypass');
  const issues = validateWorkflow(wf, registry);
  // The reader that lost its input says so too.
  assert.deepEqual(
    issues.map((i) => [i.nodeId, i.field, i.code]),
    [
      ['total', 'total', 'bypass-impossible'],
      ['saveTotal', 'value', 'missing-input'],
    ],
  );
  assert.match(issues[0].message, /no connected Number input to pass on as its "total" output/);
});

test('a muted node and what needs it are left out; the rest runs', async () => {
  const { registry, runs } = toyEngine();
  const wf = withMode(mustLoad(sampleDoc()), 'noise', 'mute');
  const active = activeGraph(wf, registry);
  assert.deepEqual(active.skipped, {
    noise: 'muted',
    scale: 'needs muted noise',
    total: 'needs muted noise',
    saveTotal: 'needs muted noise',
  });
  assert.deepEqual(validateWorkflow(wf, registry), []);
  const out = join(dir, 'mute');
  await mkdir(out);
  const result = await executeWorkflow(wf, registry, { outDir: out });
  assert.equal(result.status, 'finished', result.error?.message);
  assert.equal(runs.noise ?? 0, 0);
  assert.equal(runs.saveSum, 1);
  assert.deepEqual(await readdir(out), ['sum.txt']);
  assert.ok(!('saveTotal' in result.nodes), 'the save that needs the muted node did not run');
  // Without modes nothing changes, down to the object.
  const plain = mustLoad(sampleDoc());
  assert.equal(activeGraph(plain, registry).workflow, plain);
});
