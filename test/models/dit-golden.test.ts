import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildDit } from '../../models/dit/build.ts';
import { DitConfigSchema } from '../../models/dit/config.ts';
import { ditWeightShapes } from '../../models/dit/weights.ts';
import { readSafetensors, toFloat32 } from '../../models/safetensors.ts';
import { errors, runGraph } from './dit-run.ts';

const TOL = 1e-4;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? path.resolve(repoRoot, '..', 'shared', 'golden');
const dir = path.join(goldenRoot, 'dit');

interface GoldenCase {
  name: string;
  task_idx?: 1 | 2 | 3;
  x: number[];
  x_shape: number[];
  cond_input?: number[];
  cond_shape?: number[];
  timesteps: number[];
  context: number[];
  context_shape: number[];
  motion_scale: number;
  out: number[];
  out_shape: number[];
}

const f32 = (data: number[], dims: number[]) => ({ data: Float32Array.from(data), dims });

test('golden dit: folder exists and holds files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0, `no *.json in ${dir}`);
});

for (const file of safeList()) {
  const golden = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const config = DitConfigSchema.parse(golden.config);
  const tensors = readSafetensors(path.join(dir, golden.weights));
  const weights = new Map([...tensors].map(([k, v]) => [k, toFloat32(v)] as const));

  test(`golden dit ${file}: ditWeightShapes names exactly the reference state dict`, () => {
    const want = Object.fromEntries([...tensors].map(([k, v]) => [k, v.shape]));
    assert.deepEqual(Object.fromEntries(ditWeightShapes(config)), want);
  });

  for (const c of golden.cases as GoldenCase[]) {
    test(`golden dit ${file} ${c.name}`, async () => {
      const g = buildDit(config, weights, { task: c.task_idx ?? 0 });
      const feeds = {
        x: f32(c.x, c.x_shape),
        timesteps: f32(c.timesteps, [c.timesteps.length]),
        context: f32(c.context, c.context_shape),
        motion_scale: f32([c.motion_scale], [1]),
        content_scale: f32([1], [1]),
        ...(c.cond_input && c.cond_shape ? { cond_input: f32(c.cond_input, c.cond_shape) } : {}),
      };
      const { out } = await runGraph(g, feeds);
      assert.equal(out.length, c.out.length);
      const { rel, maxAbs, maxRel } = errors(out, c.out);
      console.log(`golden dit ${file} ${c.name}: max rel ${maxRel.toExponential(2)}, l2 rel ${rel.toExponential(2)}`);
      assert.ok(
        maxRel <= TOL,
        `max |out − ref| / max |ref| = ${maxRel.toExponential(2)} > ${TOL} (max abs ${maxAbs.toExponential(2)})`,
      );
    });
  }
}

/** The golden files, or none when the folder is missing (the first test then fails naming it). */
function safeList(): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}
