import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readSafetensors, toFloat32 } from '../../models/safetensors.ts';
import { VaeConfigSchema } from '../../models/vae/config.ts';
import { buildVaeDecoder } from '../../models/vae/decoder.ts';
import { buildVaeEncoder } from '../../models/vae/encoder.ts';
import { vaeWeightShapes } from '../../models/vae/weights.ts';
import { errors, runGraph } from './dit-run.ts';

const TOL = 1e-4;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? path.resolve(repoRoot, '..', 'shared', 'golden');
const dir = path.join(goldenRoot, 'vae');

interface GoldenCase {
  name: 'encode' | 'decode';
  x?: number[];
  x_shape?: number[];
  moments?: number[];
  moments_shape?: number[];
  z?: number[];
  z_shape?: number[];
  out?: number[];
  out_shape?: number[];
}

test('golden vae: folder exists and holds files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0, `no *.json in ${dir}`);
});

for (const file of goldenFiles()) {
  const golden = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const config = VaeConfigSchema.parse(golden.config);
  const tensors = readSafetensors(path.join(dir, golden.weights));
  const weights = new Map([...tensors].map(([k, v]) => [k, toFloat32(v)] as const));

  test(`golden vae ${file}: vaeWeightShapes names exactly the reference state dict`, () => {
    const want = Object.fromEntries([...tensors].map(([k, v]) => [k, v.shape]));
    assert.deepEqual(Object.fromEntries(vaeWeightShapes(config)), want);
  });

  for (const c of golden.cases as GoldenCase[]) {
    test(`golden vae ${file} ${c.name}`, async () => {
      const encode = c.name === 'encode';
      const g = encode ? buildVaeEncoder(config, weights) : buildVaeDecoder(config, weights);
      const [input, dims, want, wantDims] = encode
        ? [c.x, c.x_shape, c.moments, c.moments_shape]
        : [c.z, c.z_shape, c.out, c.out_shape];
      assert.ok(input && dims && want && wantDims, `case ${c.name} lacks its tensors`);
      const outName = encode ? 'moments' : 'out';
      const result = await runGraph(g, { [encode ? 'x' : 'z']: { data: Float32Array.from(input), dims } });
      const got = result[outName];
      assert.equal(got.length, want.length, `${outName} has ${got.length} values, want [${wantDims}]`);
      const { rel, maxAbs } = errors(got, want);
      console.log(`golden vae ${file} ${c.name}: rel ${rel.toExponential(2)}, max abs ${maxAbs.toExponential(2)}`);
      assert.ok(rel <= TOL, `relative error ${rel.toExponential(2)} > ${TOL} (max abs ${maxAbs.toExponential(2)})`);
    });
  }
}

/** The golden files, or none when the folder is missing (the first test then fails naming it). */
function goldenFiles(): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}
