import { TokenizerError } from './errors.ts';

/**
 * sentencepiece's precompiled character map: [u32 trie size][darts-clone double array][replacement
 * strings, NUL-terminated]. The trie maps UTF-8 prefixes of the input to offsets of their replacements
 * (normalizer.cc DecodePrecompiledCharsMap).
 */
export class Charsmap {
  private readonly units: Uint32Array;
  private readonly replacements: Uint8Array;

  constructor(blob: Uint8Array, where = 'precompiled_charsmap') {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = blob.byteLength > 4 ? view.getUint32(0, true) : Number.NaN;
    if (!(trieSize < blob.byteLength - 4) || trieSize % 4) {
      throw new TokenizerError('bad-model', where, `${where}: the character map is broken`);
    }
    const trie = new Uint8Array(blob.subarray(4, 4 + trieSize)); // a copy, so the units are aligned
    this.units = new Uint32Array(trie.buffer, 0, trieSize / 4);
    this.replacements = blob.subarray(4 + trieSize);
  }

  /**
   * The longest rule matching `bytes` from `start`: its length in input bytes and its replacement
   * (darts-clone commonPrefixSearch, keeping the longest as NormalizePrefix does); null if none.
   */
  longestMatch(bytes: Uint8Array, start: number): { length: number; replacement: Uint8Array } | null {
    const u = this.units;
    let pos = offset(u[0]);
    let best: { length: number; value: number } | null = null;
    for (let i = start; i < bytes.length; i++) {
      pos ^= bytes[i];
      const unit = u[pos] ?? 0;
      if (label(unit) !== bytes[i]) break;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) best = { length: i + 1 - start, value: (u[pos] ?? 0) & 0x7fffffff };
    }
    if (!best) return null;
    const end = this.replacements.indexOf(0, best.value);
    return { length: best.length, replacement: this.replacements.subarray(best.value, end < 0 ? undefined : end) };
  }
}

// darts-clone DoubleArrayUnit: label in bits 0-7 (bit 31 marks value units), has_leaf bit 8, offset above.
const label = (unit: number) => (unit & 0x800000ff) >>> 0;
const offset = (unit: number) => (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
