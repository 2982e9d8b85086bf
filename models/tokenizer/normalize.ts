import { Charsmap } from './charsmap.ts';
import type { NormalizerSpec } from './model.ts';

const SPACE = 0x20;
const SPACE_SYMBOL = [0xe2, 0x96, 0x81]; // U+2581 "▁", sentencepiece's escaped whitespace

/** A text normaliser with sentencepiece's semantics (normalizer.cc Normalizer::Normalize). */
export class Normalizer {
  private readonly charsmap?: Charsmap;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(private readonly spec: NormalizerSpec) {
    if (spec.precompiledCharsmap.byteLength) this.charsmap = new Charsmap(spec.precompiledCharsmap);
  }

  /**
   * Maps each character through the character map, drops leading, trailing and repeated spaces, adds
   * the dummy "▁" prefix and escapes spaces as "▁". All-whitespace input gives "".
   */
  normalize(text: string): string {
    const input = this.encoder.encode(this.spec.nfkc ? text.normalize('NFKC') : text);
    const s = this.spec;
    const out: number[] = [];
    let at = 0;
    if (s.removeExtraWhitespaces) {
      while (at < input.length) {
        const p = this.prefix(input, at);
        if (!isSingleSpace(p.out)) break;
        at += p.consumed;
      }
    }
    if (at >= input.length) return '';
    if (s.addDummyPrefix) out.push(...(s.escapeWhitespaces ? SPACE_SYMBOL : [SPACE]));
    let prevSpace = s.removeExtraWhitespaces;
    while (at < input.length) {
      const p = this.prefix(input, at);
      let piece = p.out;
      if (prevSpace) {
        let skip = 0;
        while (skip < piece.length && piece[skip] === SPACE) skip++;
        piece = piece.subarray(skip);
      }
      if (piece.length) {
        for (const b of piece) out.push(...(b === SPACE && s.escapeWhitespaces ? SPACE_SYMBOL : [b]));
        prevSpace = piece[piece.length - 1] === SPACE;
      }
      at += p.consumed;
      if (!s.removeExtraWhitespaces) prevSpace = false;
    }
    if (s.removeExtraWhitespaces) trimTrailing(out, s.escapeWhitespaces ? SPACE_SYMBOL : [SPACE]);
    return this.decoder.decode(Uint8Array.from(out));
  }

  /** NormalizePrefix: the longest character-map rule at `at`, else one UTF-8 character unchanged. */
  private prefix(input: Uint8Array, at: number): { out: Uint8Array; consumed: number } {
    const match = this.charsmap?.longestMatch(input, at);
    if (match) return { out: match.replacement, consumed: match.length };
    const n = Math.min(utf8Length(input[at]), input.length - at);
    return { out: input.subarray(at, at + n), consumed: n };
  }
}

function isSingleSpace(bytes: Uint8Array): boolean {
  return bytes.length === 1 && bytes[0] === SPACE;
}

function trimTrailing(out: number[], space: number[]): void {
  const n = space.length;
  while (out.length >= n && space.every((b, i) => out[out.length - n + i] === b)) out.length -= n;
}

/** Bytes of the UTF-8 character whose first byte is `lead` (string_util::OneCharLen). */
export function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}
