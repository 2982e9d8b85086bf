import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runJob } from '../../graph-engine/run-job.ts';
import { validateWorkflow } from '../../graph-engine/validate.ts';
import { loadWorkflow, type Workflow } from '../../graph-engine/workflow.ts';
import { createRegistry } from '../../nodes/index.ts';
import { cli } from '../cli/cli-process.ts';

/** Workflow inputs from the attack pass: each is refused with a message naming where, never a crash. */

const registry = createRegistry();

function deepMeta(depth: number): unknown {
  const text = `{"schemaVersion":2,"nodes":{},"meta":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
  return JSON.parse(text);
}

/** Load then validate, as the editor, the CLI and the queue all do. */
function issuesOf(doc: unknown) {
  const loaded = loadWorkflow(doc, { registry });
  return loaded.ok ? validateWorkflow(loaded.workflow, registry) : loaded.issues;
}

test('a 100 000-deep meta is refused where it is, by validate and by run alike', async () => {
  const issues = issuesOf(deepMeta(100_000));
  assert.equal(issues.length, 1);
  assert.match(JSON.stringify(issues[0]), /too-deep/);
  const dir = await mkdtemp(join(tmpdir(), 'lf-deep-'));
  try {
    const file = join(dir, 'deep.json');
    await writeFile(file, `{"schemaVersion":2,"nodes":{},"meta":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
    const validate = await cli(['validate', file]);
    const run = await cli(['run', file, '--out', join(dir, 'out')]);
    for (const r of [validate, run]) {
      const said = r.stdout + r.stderr;
      assert.equal(r.code, 1, said);
      assert.match(said, /workflow · meta\.a\.a\.a…: nested deeper than 64 levels/);
      assert.doesNotMatch(said, /Maximum call stack|\n\s+at /);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reserved names as node ids, params or inputs are refused with a message naming them', () => {
  for (const id of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
    const doc = JSON.parse(`{"schemaVersion":2,"nodes":{"${id}":{"type":"core.number","typeVersion":1}}}`);
    const issues = issuesOf(doc);
    assert.equal(issues.length, 1, id);
    assert.match(JSON.stringify(issues[0]), new RegExp(`nodes\\.${id}.*reserved name`), id);
  }
  const param = JSON.parse(
    '{"schemaVersion":2,"nodes":{"n":{"type":"core.number","typeVersion":1,"params":{"__proto__":{"value":5}}}}}',
  );
  assert.match(JSON.stringify(issuesOf(param)), /nodes\.n\.params\.__proto__.*reserved name/);
});

test('Demo Clip sizes past what fits in memory are refused at validation, naming the node and field', () => {
  const clip = (params: Record<string, number>): Workflow =>
    ({
      schemaVersion: 2,
      nodes: { clip: { type: 'layerflow.demo-clip', typeVersion: 1, params, inputs: {} } },
    }) as Workflow;
  const issues = validateWorkflow(clip({ frames: 256, width: 1024, height: 1024 }), registry);
  assert.deepEqual(
    issues.map((i) => [i.nodeId, i.field, i.code]),
    [['clip', 'frames', 'bad-param']],
  );
  assert.match(issues[0].message, /256 frames of 1024×1024 .* at most 16 frames/);
  assert.deepEqual(validateWorkflow(clip({ frames: 256, width: 256, height: 256 }), registry), []);
});

test('a Save Text file name must be .txt or .json: no .html or .svg in the outputs', () => {
  const save = (filename: string) => ({
    schemaVersion: 2,
    nodes: {
      n: { type: 'core.number', typeVersion: 1 },
      s: {
        type: 'core.save-text',
        typeVersion: 1,
        params: { filename },
        inputs: { value: { node: 'n', output: 'value' } },
      },
    },
  });
  for (const name of ['page.html', 'logo.svg', 'x.js', 'noext']) {
    const issues = issuesOf(save(name));
    assert.deepEqual(
      issues.map((i) => ('nodeId' in i ? [i.nodeId, i.field] : [])),
      [['s', 'filename']],
      name,
    );
  }
  assert.deepEqual(issuesOf(save('sum.txt')), []);
});

test('a Load Video of a file too large to decode fails naming the node and its path param', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-big-'));
  try {
    const { execFileSync } = await import('node:child_process');
    const path = join(dir, 'huge.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=black:s=8192x8192:r=8:d=5'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '51', '-pix_fmt', 'yuv420p', path],
    ]);
    const workflow = {
      schemaVersion: 2,
      nodes: {
        load: { type: 'media.load-video', typeVersion: 1, params: { path }, inputs: {} },
        save: {
          type: 'media.save-image',
          typeVersion: 1,
          params: {},
          inputs: { video: { node: 'load', output: 'video' } },
        },
      },
    } as Workflow;
    const { result } = await runJob(
      { id: 'big', title: 'big', workflow, seeds: {}, outDir: join(dir, 'out') },
      { registry },
    );
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.nodeId, 'load');
    assert.match(result.error?.message ?? '', /node "load" \(media\.load-video\) failed on path: .*8192×8192/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
