import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { hasVpxAlpha, probeVideo } from '../../media/probe.ts';
import { cli } from './cli-process.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-demo-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('`layerflow demo --out DIR` writes fg with alpha, bg and blend videos, a contact sheet and the manifest', async () => {
  const r = await cli(['demo', '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not LayerFlow's weights/, 'the demo pack is labelled honestly');
  for (const f of ['foreground.webm', 'background.mp4', 'blend.mp4', 'contact-sheet.png', 'manifest.json']) {
    assert.ok(r.stdout.includes(f), `lists ${f}`);
  }
  assert.ok(hasVpxAlpha(await probeVideo(join(dir, 'foreground.webm'))), 'the foreground keeps its alpha');
  for (const f of ['background.mp4', 'blend.mp4']) {
    const v = await probeVideo(join(dir, f));
    assert.deepEqual([v.codec_name, v.width, v.height], ['h264', 64, 64], f);
  }
  const sheet = PNG.sync.read(await readFile(join(dir, 'contact-sheet.png')));
  assert.ok(
    sheet.width > 200 && sheet.height >= 4 * 120,
    `contact sheet ${sheet.width}×${sheet.height}: a row per layer`,
  );
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'finished');
  assert.equal(manifest.workflow.nodes.pack.params.pack, 'demo-rgba');
});
