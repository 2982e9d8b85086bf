/**
 * CPU sessions of float16 graphs run a float32 copy. ONNX Runtime's CPU provider has float16 kernels for
 * few ops: it wraps the rest in Casts (104 in the DiT) and still keeps the weights in float32, so a float16
 * graph on CPU is slower than float32 and no smaller. GPU providers run the float16 graph itself.
 *
 * The copy is written once, on first CPU use, into `.float32/` beside the model (the user cache when the
 * pack folder is read-only) and reused while the source files are unchanged. A file on disk rather than
 * converting at each session creation because onnxruntime-node can only take in-memory weights inside a
 * model buffer: that caps the model at protobuf's 2 GB (the released DiT is 6.7 GB in float32) and holds
 * every weight twice (the JS buffer and ORT's tensors), where external data on disk is read (memory-mapped)
 * by ORT directly. The cost is disk (twice the float16 bytes) and the first CPU run's conversion time.
 *
 * Layout: the float32 weights file keeps every tensor at twice its source offset, so the graphs sharing one
 * float16 weights file (the task transformers) share one float32 file, each conversion writing the tensors
 * its graph uses. Only Casts to float16 and float16 initializers change (what models/onnx/nn.ts writes); a
 * graph with any other float16 constant is left as it is.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { access, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { z } from 'zod';
import { BackgroundFlush } from '../onnx/background-flush.ts';
import { writeFileAtomic } from '../pack/atomic.ts';
import { type FileStamp, stampOf } from '../pack/hash-cache.ts';
import { halfTable } from '../safetensors.ts';
import { fromHalf } from './float16.ts';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type TensorProto = onnxProto.onnx.ITensorProto;
type GraphProto = onnxProto.onnx.IGraphProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
/** Folder of the copies, beside the source model. */
export const FLOAT32_DIR = '.float32';
/** Bytes converted per read, so a 260 MB embedding table never sits in memory twice over. */
const CHUNK = 16 << 20;

const StampSchema = z.object({ ino: z.number(), bytes: z.number(), mtimeMs: z.number(), ctimeMs: z.number() });
/** What a copy was made from; a copy whose sources changed since is made again. */
const SourceSchema = z.object({
  version: z.literal(1),
  model: StampSchema,
  weights: z.record(z.string(), StampSchema),
});
type Source = z.infer<typeof SourceSchema>;

/** Why a model has no float32 copy: it is float32 already, or holds float16 the copier does not rewrite. */
export type NoCopy = { copy: false; reason: string };
export type Float32Copy = { copy: true; path: string; converted: boolean } | NoCopy;

/**
 * The float32 model CPU sessions should load for `file`: a fresh or cached copy when `file` is a float16
 * graph this module can rewrite, else `{ copy: false }` (load `file` itself).
 */
export function float32CopyOf(file: string): Promise<Float32Copy> {
  // One at a time in this process: graphs sharing a weights file must not start it over under each other.
  const next = queue.then(() => copyOf(file));
  queue = next.catch(() => undefined);
  return next;
}

let queue: Promise<unknown> = Promise.resolve();

async function copyOf(file: string): Promise<Float32Copy> {
  const bytes = await readFile(file);
  const model = onnx.ModelProto.decode(bytes);
  const why = unconvertible(model);
  if (why) return { copy: false, reason: why };
  const srcDir = dirname(file);
  const locations = externalLocations(model);
  const source: Source = {
    version: 1,
    model: stampOf(await stat(file)),
    weights: Object.fromEntries(
      await Promise.all(locations.map(async (l) => [l, stampOf(await stat(join(srcDir, l)))] as const)),
    ),
  };
  const outDir = await copyDir(srcDir);
  const out = join(outDir, basename(file));
  const stampFile = `${out}.source.json`;
  if (await sameSource(stampFile, source)) return { copy: true, path: out, converted: false };
  await mkdir(outDir, { recursive: true });
  for (const l of locations) await freshWeightsFile(join(outDir, l), source.weights[l]);
  await convertModel(model, srcDir, outDir);
  await writeFileAtomic(out, onnx.ModelProto.encode(model).finish());
  await writeFileAtomic(stampFile, JSON.stringify(source));
  return { copy: true, path: out, converted: true };
}

/** Why the model cannot (or need not) be converted; undefined when it is a float16 graph we can rewrite. */
function unconvertible(model: ModelProto): string | undefined {
  const graph = model.graph;
  if (!graph) return 'no graph';
  if (!(graph.initializer ?? []).some((t) => t.dataType === FLOAT16)) return 'no float16 weights';
  for (const node of graph.node ?? []) {
    if (node.opType === 'Cast') continue;
    if ((node.attribute ?? []).some((a) => a.t || a.tensors?.length || Number(a.i) === FLOAT16))
      return `node ${node.name} (${node.opType}) holds a tensor or type attribute`;
  }
  const halfTyped = [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])].find(
    (v) => v.type?.tensorType?.elemType === FLOAT16,
  );
  if (halfTyped) return `value ${halfTyped.name} is declared float16`;
  const nested = (graph.node ?? []).find((n) => (n.attribute ?? []).some((a) => a.g || a.graphs?.length));
  if (nested) return `node ${nested.name} (${nested.opType}) has subgraphs, which are not converted`;
  return undefined;
}

/** External-data file names the model's initializers refer to. */
function externalLocations(model: ModelProto): string[] {
  const out = new Set<string>();
  for (const t of model.graph?.initializer ?? []) {
    const loc = externalField(t, 'location');
    if (loc !== undefined) out.add(loc);
  }
  return [...out];
}

const externalField = (t: TensorProto, key: string) =>
  t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL
    ? (t.externalData?.find((e) => e.key === key)?.value ?? undefined)
    : undefined;

/** `.float32/` beside the model, or a per-folder place in the user cache when that folder is not writable. */
async function copyDir(srcDir: string): Promise<string> {
  const beside = join(srcDir, FLOAT32_DIR);
  try {
    await access(srcDir, constants.W_OK);
    return beside;
  } catch {
    const key = createHash('sha256').update(srcDir).digest('hex').slice(0, 16);
    const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    return join(base, 'layerflow', 'float32', key);
  }
}

async function sameSource(stampFile: string, source: Source): Promise<boolean> {
  try {
    const parsed = SourceSchema.safeParse(JSON.parse(await readFile(stampFile, 'utf8')));
    return parsed.success && JSON.stringify(parsed.data) === JSON.stringify(source);
  } catch {
    return false;
  }
}

/** Starts the float32 weights file over when its float16 source is not the one it was made from. */
async function freshWeightsFile(path: string, source: FileStamp): Promise<void> {
  const stampFile = `${path}.source.json`;
  const want = JSON.stringify(source);
  const have = await readFile(stampFile, 'utf8').catch(() => '');
  if (have === want) return;
  // A new inode: sessions still mapping the old file keep their bytes.
  await rm(path, { force: true });
  closeSync(openSync(path, 'w'));
  await writeFileAtomic(stampFile, want);
}

/** Rewrites `model` in place to float32, writing its external float16 weights converted into `outDir`. */
async function convertModel(model: ModelProto, srcDir: string, outDir: string): Promise<void> {
  const graph = model.graph as GraphProto;
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Cast') continue;
    const to = node.attribute?.find((a) => a.name === 'to');
    // A Cast to float16 becomes a no-op; ORT drops the Identity when it optimizes the graph.
    if (to && Number(to.i) === FLOAT16) {
      node.opType = 'Identity';
      node.attribute = [];
    }
  }
  const files = new Map<string, Destination>();
  // One pair of chunk buffers for the whole copy: fresh memory per tensor costs a page fault per 4 KB.
  const chunks = { in: Buffer.allocUnsafeSlow(CHUNK), out: new Float32Array(CHUNK / 2) };
  try {
    for (const t of graph.initializer ?? []) {
      const loc = externalField(t, 'location');
      if (loc === undefined) {
        if (t.dataType === FLOAT16) inlineToFloat(t);
        continue;
      }
      let fds = files.get(loc);
      if (!fds) {
        const dst = openSync(join(outDir, loc), 'r+');
        fds = { src: openSync(join(srcDir, loc), 'r'), dst, flush: new BackgroundFlush(dst), written: 0 };
        files.set(loc, fds);
      }
      copyExternal(t, fds, chunks);
    }
    for (const { dst, flush } of files.values()) {
      await flush.settled();
      fsyncSync(dst);
    }
  } finally {
    for (const { src, flush } of files.values()) {
      closeSync(src);
      flush.closeSoon();
    }
  }
}

/** A weights file being copied: its source, its float32 destination (flushed as it grows), bytes written. */
interface Destination {
  src: number;
  dst: number;
  flush: BackgroundFlush;
  written: number;
}

function inlineToFloat(t: TensorProto): void {
  let halves: Uint16Array;
  if (t.rawData?.byteLength) {
    const raw = new Uint8Array(t.rawData); // a copy: 2-aligned
    halves = new Uint16Array(raw.buffer, 0, raw.byteLength / 2);
  } else {
    halves = Uint16Array.from(t.int32Data ?? []); // ONNX stores float16 bits in int32_data without raw_data
  }
  const f32 = fromHalf(halves);
  t.rawData = new Uint8Array(f32.buffer);
  t.int32Data = [];
  t.dataType = FLOAT;
}

/** Copies one external tensor to twice its offset, converting float16 to float32. */
function copyExternal(t: TensorProto, f: Destination, chunks: { in: Buffer; out: Float32Array }): void {
  const offset = Number(externalField(t, 'offset') ?? 0);
  const length = Number(externalField(t, 'length'));
  const half = t.dataType === FLOAT16;
  const buf = chunks.in; // offset 0, 2-aligned
  const table = halfTable();
  for (let done = 0; done < length; ) {
    const n = Math.min(buf.length, length - done);
    for (let got = 0; got < n; ) {
      const r = readSync(f.src, buf, got, n - got, offset + done + got);
      if (r <= 0) throw new Error(`${t.name}: external data ends before byte ${offset + length}`);
      got += r;
    }
    let out: Uint8Array = buf.subarray(0, n);
    if (half) {
      const halves = new Uint16Array(buf.buffer, buf.byteOffset, n / 2);
      const floats = chunks.out;
      for (let i = 0; i < halves.length; i++) floats[i] = table[halves[i]];
      out = new Uint8Array(floats.buffer, 0, 2 * n);
    }
    writeAll(f.dst, out, 2 * offset + (half ? 2 * done : done));
    f.written += out.byteLength;
    f.flush.wrote(f.written);
    done += n;
  }
  t.externalData = [
    ...(t.externalData ?? []).filter((e) => e.key !== 'offset' && e.key !== 'length'),
    { key: 'offset', value: String(2 * offset) },
    { key: 'length', value: String(half ? 2 * length : length) },
  ];
  if (half) t.dataType = FLOAT;
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let at = 0;
  while (at < bytes.byteLength) at += writeSync(fd, bytes, at, bytes.byteLength - at, position + at);
}
