/**
 * `node --import tsx bench/t5-memory.ts [--layers 4,12] [--d-model 1024]`: memory of the T5 encoder per
 * precision, measured on synthetic T5 v1.1 encoders (XXL's vocabulary, head size and d_ff/d_model ratio
 * at a smaller width and depth) and extrapolated to XXL. Each size and precision is written as an ONNX
 * file with external data (as packs store it), then a fresh child process creates a CPU session and
 * runs 3 × 226 tokens (t5-memory-child.ts). RSS grows by (session − baseline) for the weights and by
 * (peak − session) for the run; two depths separate the per-layer cost from the rest.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { FloatType } from '../models/onnx/nn.ts';
import { buildT5Encoder, randomT5Weights, type T5Config, T5ConfigSchema, t5WeightShapes } from '../models/t5/index.ts';

const exec = promisify(execFile);
const MIB = 1024 ** 2;
const BATCH = 3;

/** T5 v1.1 XXL (CogVideoX's text encoder). */
const XXL = T5ConfigSchema.parse({
  vocab_size: 32128,
  d_model: 4096,
  d_kv: 64,
  d_ff: 10240,
  num_layers: 24,
  num_heads: 64,
});

const params = (c: T5Config) => [...t5WeightShapes(c).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);

interface Measured {
  before: number;
  created: number;
  createdPeak: number;
  ran: number;
  peak: number;
  createMs: number;
  runMs: number;
  finite: boolean;
}

async function measure(dir: string, c: T5Config, dtype: FloatType): Promise<Measured> {
  const name = `t5-${c.num_layers}-${dtype}.onnx`;
  const { model, externalData } = buildT5Encoder(c, randomT5Weights(c, 1), { dtype }).serialize({
    externalThresholdBytes: 1024,
    externalDataName: `${name}.data`,
  });
  writeFileSync(join(dir, name), model);
  if (externalData) writeFileSync(join(dir, `${name}.data`), externalData);
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 't5-memory-child.ts'), join(dir, name), String(BATCH)],
    { maxBuffer: 1 << 20 },
  );
  rmSync(join(dir, name));
  rmSync(join(dir, `${name}.data`), { force: true });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { layers: { type: 'string', default: '4,12' }, 'd-model': { type: 'string', default: '1024' } },
  });
  const depths = values.layers.split(',').map(Number);
  const d = Number(values['d-model']);
  const base = { vocab_size: XXL.vocab_size, d_model: d, d_kv: XXL.d_kv, num_heads: d / XXL.d_kv };
  const configs = depths.map((num_layers) => T5ConfigSchema.parse({ ...base, d_ff: (d * 10240) / 4096, num_layers }));
  const dir = mkdtempSync(join(tmpdir(), 't5-memory-'));
  const rows: string[] = [];
  try {
    for (const dtype of ['float32', 'float16'] as const) {
      const got: { c: T5Config; m: Measured }[] = [];
      for (const c of configs) {
        const m = await measure(dir, c, dtype);
        got.push({ c, m });
        rows.push(
          `${dtype} d${d} L${c.num_layers} ${(params(c) / 1e6).toFixed(0)} M params: weights in RSS ${((m.created - m.before) / MIB).toFixed(0)} MiB ` +
            `(create peak +${((m.createdPeak - m.before) / MIB).toFixed(0)}), run +${((m.peak - m.created) / MIB).toFixed(0)} MiB, ` +
            `create ${(m.createMs / 1000).toFixed(1)} s, run ${(m.runMs / 1000).toFixed(1)} s, finite ${m.finite}`,
        );
      }
      rows.push(extrapolate(dtype, got));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

/** Session RSS per stored parameter byte (slope over depth), and the run's growth scaled to XXL's width. */
function extrapolate(dtype: FloatType, got: { c: T5Config; m: Measured }[]): string {
  const [a, b] = [got[0], got[got.length - 1]];
  const perParam = (b.m.created - b.m.before - (a.m.created - a.m.before)) / (params(b.c) - params(a.c));
  const runGrowth = b.m.peak - b.m.created;
  // The run's buffers are [3, 226, width] and [3, heads, 226, 226] tensors: they grow with d_ff and heads.
  const widen = XXL.d_ff / b.c.d_ff;
  return (
    `${dtype}: ${perParam.toFixed(2)} bytes of RSS per parameter → XXL (${(params(XXL) / 1e9).toFixed(2)} B params) ` +
    `weights ≈ ${((perParam * params(XXL)) / 1024 ** 3).toFixed(1)} GiB on CPU; run growth ${(runGrowth / MIB).toFixed(0)} MiB ` +
    `at d_ff ${b.c.d_ff} → ≈ ${((runGrowth * widen) / MIB).toFixed(0)} MiB at XXL width`
  );
}

await main();
