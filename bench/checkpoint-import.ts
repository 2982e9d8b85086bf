/**
 * `node --import tsx bench/checkpoint-import.ts [--layers n] [--dir path] [--keep]`: writes a synthetic DiT
 * checkpoint in the released layout at the released RGBA-generation shapes (`--layers` of the 30, default
 * all: ≈2 B parameters, ≈4 GB), then imports it as `layerflow pack import` will: opens it, reads every tensor
 * once (float32), and reads every merged attention weight (content LoRA folded in). Prints MB/s and peak RSS.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DitConfigSchema } from '../models/dit/config.ts';
import { openDitCheckpoint } from '../models/import/dit-checkpoint.ts';
import { mergeContentLora } from '../models/import/lora-merge.ts';
import { RELEASED_FOLDERS, releasedDitConfig } from '../models/import/released.ts';
import { writeSyntheticDitCheckpoint } from '../models/import/synthetic-dit.ts';

const { values } = parseArgs({
  options: { layers: { type: 'string' }, dir: { type: 'string' }, keep: { type: 'boolean' } },
});
const name = 'multi-layer-generation-rgba';
const facts = RELEASED_FOLDERS.get(name);
if (!facts) throw new Error(`${name} is not a released folder`);
const full = releasedDitConfig(facts);
const layers = values.layers === undefined ? full.num_layers : Number(values.layers);
const config = DitConfigSchema.parse({ ...full, num_layers: layers });
const root = values.dir ?? mkdtempSync(path.join(tmpdir(), 'lf-import-bench-'));
const folder = path.join(root, name);
const rssMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

try {
  let t0 = performance.now();
  const { file, bytes } = await writeSyntheticDitCheckpoint(folder, config);
  const mb = bytes / 1e6;
  console.log(`wrote ${file}: ${mb.toFixed(0)} MB (${layers} layers) in ${seconds(t0).toFixed(1)} s`);
  t0 = performance.now();
  plainRead(file);
  const plain = seconds(t0);
  console.log(`plain sequential read of the file: ${(mb / plain).toFixed(0)} MB/s`);
  t0 = performance.now();
  // Without a config when all 30 layers are there: the folder name's released config, as a user's import.
  const ckpt = await openDitCheckpoint(folder, layers === full.num_layers ? {} : { config });
  console.log(
    `opened (zip index, pickle, key and shape check) in ${seconds(t0).toFixed(2)} s, peak RSS ${rssMiB()} MiB`,
  );
  t0 = performance.now();
  let values = 0;
  for (const t of ckpt.weights.values()) values += t.toFloat32().length;
  const read = seconds(t0);
  const rate = `${(mb / read).toFixed(0)} MB/s of file (${((100 * plain) / read).toFixed(0)}% of the plain read)`;
  console.log(`read ${values} values as float32: ${rate}, peak RSS ${rssMiB()} MiB`);
  t0 = performance.now();
  for (const t of ckpt.weights.values()) new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(1);
  const floor = plain + seconds(t0);
  console.log(
    `floor (plain read + filling fresh float32 arrays of the same sizes): ${((100 * floor) / read).toFixed(0)}% of the read time`,
  );
  t0 = performance.now();
  const merged = mergeContentLora(ckpt.weights, ckpt.config, 1);
  for (const [n, t] of merged) if (n.endsWith('.original.weight')) t.toFloat32();
  console.log(
    `merged content LoRA into ${layers * 2} weights in ${seconds(t0).toFixed(1)} s, peak RSS ${rssMiB()} MiB`,
  );
} finally {
  if (!values.keep && !values.dir) rmSync(root, { recursive: true, force: true });
}

/** The whole file through one 64 MiB buffer: what the disk and page cache give. */
function plainRead(file: string): void {
  const buf = Buffer.allocUnsafeSlow(64 << 20);
  const fd = openSync(file, 'r');
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}
