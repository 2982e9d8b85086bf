/**
 * Text tags as a Matroska file with no tracks, for ffmpeg to read as a second input (`-f matroska -i
 * pipe:3 -map_metadata 1`). Not FFMETADATA: the static ffmpeg we encode with (2018) cuts its lines at
 * 1,024 bytes, and the workflow tag is tens of kilobytes; Matroska strings have no such limit in any
 * version. Six element kinds, so written here rather than with an EBML library.
 */

const EBML = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMESTAMP_SCALE = 0x2ad7b1;
const TAGS = 0x1254c367;
const TAG = 0x7373;
const TARGETS = 0x63c0;
const SIMPLE_TAG = 0x67c8;
const TAG_NAME = 0x45a3;
const TAG_STRING = 0x4487;
const CLUSTER = 0x1f43b675;
const CLUSTER_TIMESTAMP = 0xe7;

type Body = Uint8Array | string;

/** An element: its id, its size as an 8-byte EBML number, its children or text. */
function element(id: number, ...children: Body[]): Buffer {
  const body = Buffer.concat(children.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  const idBytes = Buffer.alloc(Math.ceil(id.toString(16).length / 2)); // ids keep their length marker bits
  idBytes.writeUIntBE(id, 0, idBytes.length);
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(body.length) | (1n << 56n)); // the 0x01 marker: an 8-byte length
  return Buffer.concat([idBytes, size, body]);
}

function uint(id: number, value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return element(id, bytes);
}

/**
 * The file: header, segment info, the tags, and an empty cluster (ffmpeg's demuxer reads the header up
 * to the first cluster and fails at end of file before one).
 */
export function matroskaTags(tags: Record<string, string>): Buffer {
  const header = element(
    EBML,
    ...[uint(0x4286, 1), uint(0x42f7, 1), uint(0x42f2, 4), uint(0x42f3, 8)], // versions, id and size lengths
    element(0x4282, 'matroska'),
    ...[uint(0x4287, 4), uint(0x4285, 2)], // DocTypeVersion, DocTypeReadVersion
  );
  const simpleTags = Object.entries(tags).map(([name, value]) =>
    element(SIMPLE_TAG, element(TAG_NAME, name), element(TAG_STRING, value)),
  );
  const segment = element(
    SEGMENT,
    element(INFO, uint(TIMESTAMP_SCALE, 1_000_000)),
    element(TAGS, element(TAG, element(TARGETS), ...simpleTags)),
    element(CLUSTER, uint(CLUSTER_TIMESTAMP, 0)),
  );
  return Buffer.concat([header, segment]);
}
