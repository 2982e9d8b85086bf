import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureDemoPack } from '../../../models/demo/index.ts';
import { createRegistry } from '../../../nodes/index.ts';
import { loadPack } from '../../../nodes/layerflow/load-pack.ts';
import { recordingContext, runNode } from './harness.ts';

describe('layerflow.load-pack', () => {
  it('opens a built-in pack into Model (motion LoRA off, content 1), TextEncoder and VAE handles', async () => {
    const ctx = recordingContext();
    const out = await runNode(loadPack, {}, { pack: 'demo-rgb' }, ctx);
    const model = out.model as { pack: { manifest: { name: string } }; motionScale: number; contentScale: number };
    assert.equal(model.pack.manifest.name, 'demo-rgb');
    assert.equal(model.motionScale, 0);
    assert.equal(model.contentScale, 1);
    assert.equal((out.vae as typeof model).pack, model.pack);
    assert.equal((out.textEncoder as typeof model).pack, model.pack);
  });

  it('reports the pack, every file’s sha256 and the device for the run manifest', async () => {
    const ctx = recordingContext();
    await runNode(loadPack, {}, { pack: 'demo-rgba' }, ctx);
    const facts = ctx.recorded.facts as {
      pack: { name: string; variant: string; tasks: string[] };
      files: Record<string, { sha256: string }>;
      verified: { path: string; sha256: string; how: string }[];
      device: { provider: string };
    };
    assert.equal(facts.pack.name, 'demo-rgba');
    assert.equal(facts.pack.variant, 'rgba');
    assert.deepEqual(facts.pack.tasks, ['generate', 'decompose', 'fg-to-bg', 'bg-to-fg']);
    const manifest = JSON.parse(await readFile(join(await ensureDemoPack('rgba'), 'manifest.json'), 'utf8'));
    const files = manifest.files as Record<
      string,
      { path: string; sha256: string; externalData?: { path: string; sha256: string } }
    >;
    for (const [role, file] of Object.entries(files)) {
      assert.equal(facts.files[role].sha256, file.sha256, role);
      // the hashes actually checked, external data included
      for (const ref of [file, ...(file.externalData ? [file.externalData] : [])]) {
        const seen = facts.verified.find((v) => v.path === ref.path);
        assert.equal(seen?.sha256, ref.sha256, `verified ${ref.path}`);
        assert.ok(seen && ['hashed', 'cached'].includes(seen.how));
      }
    }
    assert.match(facts.device.provider, /\w/);
  });

  it('is cached under the hash of its manifest', async () => {
    const dir = await ensureDemoPack('rgba');
    const want = createHash('sha256')
      .update(await readFile(join(dir, 'manifest.json')))
      .digest('hex');
    assert.equal(await loadPack.externalKey?.({ pack: 'demo-rgba' }), want);
    assert.equal(await loadPack.externalKey?.({ pack: dir }), want, 'a folder path names the same pack');
  });

  it('infers the variant, tasks, layers and sizes from a built pack’s manifest while editing', async () => {
    await ensureDemoPack('rgba');
    const { outputs, issues } = loadPack.infer?.({}, { pack: 'demo-rgba' }) ?? { outputs: {} };
    assert.deepEqual(issues, []);
    assert.equal(outputs.model.variant, 'rgba');
    assert.deepEqual(outputs.model.tasks, ['generate', 'decompose', 'fg-to-bg', 'bg-to-fg']);
    assert.deepEqual(outputs.model.layers, ['foreground', 'alpha', 'background', 'blend']);
    assert.equal(outputs.model.frames, 16);
    assert.equal(outputs.model.temporalCompression, 1);
    assert.equal(outputs.vae.width, 64);
    assert.equal(outputs.textEncoder.tokens, 226);
  });

  it('an installed pack is found by its bare name', async () => {
    const dir = await ensureDemoPack('rgb');
    const data = await mkdtemp(join(tmpdir(), 'lf-data-'));
    const before = process.env.LAYERFLOW_DATA;
    process.env.LAYERFLOW_DATA = data;
    try {
      await mkdir(join(data, 'packs'));
      await cp(dir, join(data, 'packs', 'my-pack'), { recursive: true });
      const out = await runNode(loadPack, {}, { pack: 'my-pack' }, recordingContext());
      assert.equal((out.model as { pack: { dir: string } }).pack.dir, join(data, 'packs', 'my-pack'));
    } finally {
      if (before === undefined) delete process.env.LAYERFLOW_DATA;
      else process.env.LAYERFLOW_DATA = before;
      await rm(data, { recursive: true, force: true });
    }
  });

  it('a folder without a pack is an issue on the pack param, before running', () => {
    const { issues } = loadPack.infer?.({}, { pack: '/nonexistent/pack' }) ?? {};
    assert.equal(issues?.[0]?.field, 'pack');
    assert.equal(issues?.[0]?.code, 'pack-not-found');
  });

  it('offers the built-in packs as choices in the palette', () => {
    const described = createRegistry().describeNode(loadPack as never) as unknown as {
      params: { properties: Record<string, { choices: { value: string }[]; widget: string }> };
    };
    const pack = described.params.properties.pack;
    assert.equal(pack.widget, 'pack');
    assert.deepEqual(
      pack.choices.map((c) => c.value),
      ['demo-rgba', 'demo-rgb', 'tiny-rgba', 'tiny-rgb'],
    );
  });
});
