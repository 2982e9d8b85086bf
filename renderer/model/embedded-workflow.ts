/**
 * Finds the workflow a file carries, without a server: a workflow or manifest JSON file as is, the
 * `layerflow_workflow` text of a PNG (iTXt/tEXt chunk), of an MP4/MOV (`mdta` key in moov/udta/meta) or of
 * a WebM/MKV (Matroska SimpleTag). Save Video and Save Image write these (media/write-video.ts, png.ts).
 */

export const WORKFLOW_KEY = 'layerflow_workflow';

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** The JSON text of the workflow a file holds, or undefined when it holds none. */
export function embeddedWorkflowText(bytes: Uint8Array): string | undefined {
  if (isPng(bytes)) return pngText(bytes);
  if (u32(bytes, 0) === 0x1a45dfa3) return matroskaTag(bytes);
  if (bytes.length >= 8 && ascii(bytes, 4, 4) === 'ftyp') return mp4Key(bytes);
  const text = utf8.decode(bytes.subarray(0, Math.min(bytes.length, 64))).trimStart();
  return text.startsWith('{') ? utf8.decode(bytes) : undefined;
}

function u32(b: Uint8Array, at: number): number {
  return at + 4 <= b.length ? ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0 : -1;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return latin1.decode(b.subarray(at, at + n));
}

// PNG: length, type, data, CRC per chunk after the 8-byte signature.
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(b: Uint8Array): boolean {
  return PNG_SIGNATURE.every((v, i) => b[i] === v);
}

function pngText(b: Uint8Array): string | undefined {
  for (let at = 8; at + 12 <= b.length; ) {
    const length = u32(b, at);
    const type = ascii(b, at + 4, 4);
    const data = b.subarray(at + 8, at + 8 + length);
    if (type === 'IEND') return undefined;
    const nul = data.indexOf(0);
    if ((type === 'tEXt' || type === 'iTXt') && nul > 0 && latin1.decode(data.subarray(0, nul)) === WORKFLOW_KEY) {
      if (type === 'tEXt') return latin1.decode(data.subarray(nul + 1));
      // iTXt: keyword\0 compressed? method, language\0, translated keyword\0, text (only uncompressed is written)
      if (data[nul + 1] !== 0) return undefined;
      const lang = data.indexOf(0, nul + 3);
      const translated = data.indexOf(0, lang + 1);
      return lang < 0 || translated < 0 ? undefined : utf8.decode(data.subarray(translated + 1));
    }
    at += 12 + length;
  }
  return undefined;
}

// Matroska (EBML): variable-length ids and sizes; only the masters on the way to the tags are entered.
const SEGMENT = 0x18538067;
const TAGS = 0x1254c367;
const TAG = 0x7373;
const SIMPLE_TAG = 0x67c8;
const TAG_NAME = 0x45a3;
const TAG_STRING = 0x4487;
const ENTER = new Set([SEGMENT, TAGS, TAG, SIMPLE_TAG]);

/** A variable-length integer at `at`: its value (marker bit kept for ids) and its byte length. */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } {
  const first = b[at];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || at + length > b.length) return { value: -1, length: 1, unknown: false };
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i];
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function matroskaTag(b: Uint8Array): string | undefined {
  let found: string | undefined;
  const walk = (start: number, end: number): void => {
    let name: string | undefined;
    let value: string | undefined;
    for (let at = start; at < end && found === undefined; ) {
      const id = vint(b, at, true);
      const size = vint(b, at + id.length, false);
      if (id.value < 0 || size.value < 0) return;
      const body = at + id.length + size.length;
      const stop = size.unknown ? end : Math.min(end, body + size.value);
      if (ENTER.has(id.value)) walk(body, stop);
      else if (id.value === TAG_NAME) name = utf8.decode(b.subarray(body, stop));
      else if (id.value === TAG_STRING) value = utf8.decode(b.subarray(body, stop));
      at = stop;
    }
    if (found === undefined && name?.toLowerCase() === WORKFLOW_KEY && value !== undefined) found = value;
  };
  walk(0, b.length);
  return found;
}

// MP4/MOV: boxes of size + type; ffmpeg's use_metadata_tags writes moov/udta/meta with `keys` and `ilst`.
interface Box {
  type: string;
  body: number;
  end: number;
}

function boxes(b: Uint8Array, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let at = start; at + 8 <= end; ) {
    let size = u32(b, at);
    let header = 8;
    if (size === 1) {
      size = u32(b, at + 8) * 2 ** 32 + u32(b, at + 12);
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header) break;
    out.push({ type: ascii(b, at + 4, 4), body: at + header, end: Math.min(end, at + size) });
    at += size;
  }
  return out;
}

function child(b: Uint8Array, parent: Box | undefined, type: string): Box | undefined {
  return parent && boxes(b, parent.body, parent.end).find((x) => x.type === type);
}

function mp4Key(b: Uint8Array): string | undefined {
  const moov = boxes(b, 0, b.length).find((x) => x.type === 'moov');
  for (const holder of [moov, child(b, moov, 'udta')]) {
    const meta = child(b, holder, 'meta');
    if (!meta) continue;
    // ISO meta is a full box (4 bytes of version and flags before its children); QuickTime's is not.
    const inner = ascii(b, meta.body + 4, 4) === 'hdlr' ? meta : { ...meta, body: meta.body + 4 };
    const keys = child(b, inner, 'keys');
    const ilst = child(b, inner, 'ilst');
    if (!keys || !ilst) continue;
    const names = boxes(b, keys.body + 8, keys.end).map((k) => latin1.decode(b.subarray(k.body, k.end)));
    const index = names.findIndex((n) => n.toLowerCase() === WORKFLOW_KEY) + 1;
    if (index === 0) continue;
    const item = boxes(b, ilst.body, ilst.end).find((x) => u32(b, x.body - 4) === index);
    const data = child(b, item, 'data');
    // data: 4 bytes type indicator, 4 bytes locale, then the value
    if (data) return utf8.decode(b.subarray(data.body + 8, data.end));
  }
  return undefined;
}
