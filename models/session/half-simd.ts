import { WASM_BASE64 } from '../wasm/half.wasm.ts';

/**
 * The WebAssembly SIMD float16 kernels of models/wasm/half.wat, and the one buffer they work in: importers
 * read a 16-bit tensor straight into `halfScratch`, convert it there and write it out from there, so a
 * multi-GB import allocates no memory per tensor (fresh memory costs a page fault per 4 KB, more than the
 * read itself) and converts eight values per instruction.
 */

interface Kernels {
  memory: WebAssembly.Memory;
  bf16ToHalf(at: number, n: number): void;
  firstNonFinite(at: number, n: number): number;
}

/** Bytes of the bfloat16 → float16 table at the start of the memory; the scratch follows it. */
const TABLE_BYTES = 65536 * 2;
const PAGE = 65536;

let kernels: Kernels | undefined;

function instance(table: () => Uint16Array): Kernels {
  if (kernels) return kernels;
  const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  const k = new WebAssembly.Instance(module).exports as unknown as Kernels;
  new Uint16Array(k.memory.buffer, 0, 65536).set(table());
  kernels = k;
  return k;
}

/**
 * `n` float16 slots in the kernels' memory, for reading a tensor into. The same memory is handed out again
 * by the next call (and growing it detaches earlier views): use the values before asking for more.
 */
export function halfScratch(n: number, table: () => Uint16Array): Uint16Array {
  const k = instance(table);
  const need = Math.ceil((TABLE_BYTES + 2 * n) / PAGE) - k.memory.buffer.byteLength / PAGE;
  if (need > 0) k.memory.grow(need);
  return new Uint16Array(k.memory.buffer, TABLE_BYTES, n);
}

/** Whether `values` lie in the kernels' memory (handed out by halfScratch). */
export const inScratch = (values: Uint16Array) => kernels !== undefined && values.buffer === kernels.memory.buffer;

/** bfloat16 → float16 in place for values in the scratch. */
export function bf16ToHalfInScratch(values: Uint16Array): void {
  (kernels as Kernels).bf16ToHalf(values.byteOffset, values.length);
}

/** Index of the first non-finite float16 among values in the scratch, or -1. */
export function firstNonFiniteInScratch(values: Uint16Array): number {
  return (kernels as Kernels).firstNonFinite(values.byteOffset, values.length);
}
