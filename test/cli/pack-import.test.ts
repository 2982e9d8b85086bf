import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importRelease } from '../../models/import/pack-import.ts';
import { readImportConfigs } from '../../models/import/release-config.ts';
import { cli } from './cli-process.ts';

const golden = process.env.LAYERFLOW_GOLDEN_DIR ?? resolve(import.meta.dirname, '..', '..', '..', 'shared', 'golden');
const release = join(golden, 'release-tiny');
const config = join(release, 'release-tiny.json');
const vaeAndT5 = join(release, 'CogVideoX-2b-sat');
const genRgb = join(release, 'LayerFlow', 'multi-layer-generation-rgb');

let tmp = '';
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lf-pack-import-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('layerflow pack import', () => {
  it('imports a subset (one RGB task), lists it, and a run finds it by name', async () => {
    const data = join(tmp, 'data');
    const env = { LAYERFLOW_DATA: data };
    const r = await cli(['pack', 'import', genRgb, vaeAndT5, '--config', config, '--dtype', 'float32'], undefined, env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(data, 'packs', 'layerflow-rgb', 'manifest.json')));
    assert.ok(!existsSync(join(data, 'packs', 'layerflow-rgba')), 'no RGBA pack without RGBA checkpoints');
    const list = await cli(['pack', 'list', '--json'], undefined, env);
    const packs = JSON.parse(list.stdout).packs as { name: string; kind: string; tasks: string[] }[];
    assert.deepEqual(
      packs.filter((p) => p.kind === 'layerflow').map((p) => [p.name, p.tasks]),
      [['layerflow-rgb', ['generate']]],
    );
    const run = await cli(
      [
        'run',
        'text-to-layers-rgb',
        '--set',
        'pack.pack=layerflow-rgb',
        '--set',
        'sample.steps=2',
        '--out',
        join(tmp, 'run'),
      ],
      undefined,
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const manifest = JSON.parse(await readFile(join(tmp, 'run', 'manifest.json'), 'utf8'));
    assert.equal(manifest.facts.pack.pack.name, 'layerflow-rgb');
  });

  it('refuses to replace an existing pack without --force, and replaces it with', async () => {
    const out = join(tmp, 'twice');
    const args = ['pack', 'import', genRgb, vaeAndT5, '--config', config, '--out', out, '--dtype', 'float32'];
    assert.equal((await cli(args)).code, 0);
    const again = await cli(args);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already there.*--force/);
    assert.equal((await cli([...args, '--force'])).code, 0);
  });

  it('names the path when there is nothing to import, and the missing part', async () => {
    const empty = join(tmp, 'empty');
    await mkdir(empty);
    const r = await cli(['pack', 'import', empty, '--out', join(tmp, 'none')]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(empty) && /nothing to import/.test(r.stderr), r.stderr);
    const noVae = await cli(['pack', 'import', genRgb, '--config', config, '--out', join(tmp, 'none')]);
    assert.equal(noVae.code, 1);
    assert.match(noVae.stderr, /no VAE file/);
  });

  it('refuses parts that do not fit: a DiT whose text width is not the T5’s, naming the file', async () => {
    const ckpt = JSON.parse(await readFile(join(golden, 'checkpoint', 'gen-rgb-h48.json'), 'utf8'));
    const ditConfig = join(tmp, 'h48.json');
    await writeFile(ditConfig, JSON.stringify({ ...ckpt.config, reference_module: ckpt.reference_module }));
    const r = await cli([
      'pack',
      'import',
      join(golden, 'checkpoint', 'gen-rgb-h48'),
      vaeAndT5,
      '--config',
      ditConfig,
      '--out',
      join(tmp, 'misfit'),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mp_rank_00_model_states\.pt: the DiT takes text 8 wide but the T5 .* gives 32/);
    assert.ok(!existsSync(join(tmp, 'misfit', 'layerflow-rgb')), 'nothing written');
  });

  it('an import stopped while writing leaves no pack, and the next one clears its leftovers', async () => {
    const out = join(tmp, 'interrupted');
    await assert.rejects(
      importRelease({
        inputs: [genRgb, vaeAndT5],
        outDir: out,
        dtype: 'float32',
        configs: readImportConfigs(config),
        onProgress: (read) => {
          if (read > 100_000) throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    assert.deepEqual(
      readdirSync(out).filter((f) => !f.startsWith('.')),
      [],
      'no pack folder',
    );
    // A kill -9 leaves the hidden temp folder behind: it never has a manifest where a pack is looked for.
    await cp(join(release, 'LayerFlow'), join(out, '.layerflow-rgb.tmp-dead'), { recursive: true });
    const r = await importRelease({
      inputs: [genRgb, vaeAndT5],
      outDir: out,
      dtype: 'float32',
      configs: readImportConfigs(config),
    });
    assert.equal(r.packs.length, 1);
    assert.deepEqual(readdirSync(out), ['layerflow-rgb']);
  });
});
