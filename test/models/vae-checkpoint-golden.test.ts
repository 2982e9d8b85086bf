import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openVaeCheckpoint } from '../../models/import/vae-checkpoint.ts';
import { VaeConfigSchema } from '../../models/vae/config.ts';
import { buildVaeDecoder } from '../../models/vae/decoder.ts';
import { buildVaeEncoder } from '../../models/vae/encoder.ts';
import { readAll } from '../../models/weights/source.ts';
import { goldenFiles, goldenRoot, type VaeGoldenCase } from './checkpoint-fixture.ts';
import { errors, runGraph } from './dit-run.ts';

const TOL = 1e-4;
const dir = path.join(goldenRoot, 'vae-checkpoint');
const releaseDir = path.join(goldenRoot, 'release-tiny');

interface GoldenVae {
  label: string;
  file: string;
  config: unknown;
  ignored: string[];
  cases: VaeGoldenCase[];
}

test('golden vae-checkpoint: folders exist and hold files', () => {
  assert.ok(
    readdirSync(dir).some((f) => f.endsWith('.json')),
    `no *.json in ${dir}`,
  );
  assert.ok(readdirSync(releaseDir).includes('release-tiny.json'), `no release-tiny.json in ${releaseDir}`);
});

for (const golden of goldenVaes()) {
  test(`golden vae-checkpoint ${golden.label}: the config inferred from the shapes is the file's`, async () => {
    const vae = await openVaeCheckpoint(golden.file);
    assert.deepEqual(vae.config, VaeConfigSchema.parse(golden.config));
    assert.deepEqual(new Set(vae.ignored), new Set(golden.ignored));
  });

  for (const c of golden.cases) {
    test(`golden vae-checkpoint ${golden.label} ${c.name}`, async () => {
      const vae = await openVaeCheckpoint(golden.file, { config: golden.config });
      const weights = readAll(vae.weights);
      const encode = c.name.startsWith('encode');
      const [input, dims, want] = encode ? [c.x, c.x_shape, c.moments] : [c.z, c.z_shape, c.out];
      assert.ok(input && dims && want, `case ${c.name} lacks its tensors`);
      const g = encode ? buildVaeEncoder(vae.config, weights) : buildVaeDecoder(vae.config, weights);
      const result = await runGraph(g, { [encode ? 'x' : 'z']: { data: Float32Array.from(input), dims } });
      const got = result[encode ? 'moments' : 'out'];
      assert.equal(got.length, want.length);
      const { maxRel, maxAbs } = errors(got, want);
      console.log(`golden vae-checkpoint ${golden.label} ${c.name}: max rel ${maxRel.toExponential(2)}`);
      assert.ok(maxRel <= TOL, `max |out − ref| / max |ref| = ${maxRel.toExponential(2)} > ${TOL} (abs ${maxAbs})`);
    });
  }
}

/** vae-checkpoint/*.json, then release-tiny.json's `vae`. */
function goldenVaes(): GoldenVae[] {
  const files = goldenFiles(dir).map((file) => {
    const g = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    return {
      label: file,
      file: path.join(dir, g.checkpoint_file),
      config: g.config,
      ignored: g.ignored_keys,
      cases: g.cases,
    };
  });
  try {
    const { vae } = JSON.parse(readFileSync(path.join(releaseDir, 'release-tiny.json'), 'utf8'));
    const file = path.join(releaseDir, vae.file);
    return [...files, { label: 'release-tiny', file, config: vae.config, ignored: vae.ignored_keys, cases: vae.cases }];
  } catch {
    return files;
  }
}
