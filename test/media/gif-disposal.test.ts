import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from '../../media/errors.ts';
import { restoreToBackground } from '../../media/gif-disposal.ts';

/** A 1×1 GIF with a 2-colour global table and one frame per Graphic Control packed byte given. */
function gif(gcePacked: number[]): Uint8Array {
  const header = [...Buffer.from('GIF89a'), 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255];
  const frames = gcePacked.flatMap((packed) => [
    ...[0x21, 0xf9, 4, packed, 8, 0, 0, 0], // GCE: delay 8, transparent index 0
    ...[0x21, 0xfe, 2, 0x3b, 0x2c, 0], // a comment whose bytes look like a trailer and a descriptor
    ...[0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0], // image descriptor, no local table
    ...[2, 2, 0x44, 0x01, 0], // LZW code size 2, one sub-block
  ]);
  return Uint8Array.from([...header, ...frames, 0x3b]);
}

test('transparent frames that keep the previous one are set to restore to background', () => {
  // 0x05: do not dispose + transparent (ffmpeg 4.1); 0x09: restore + transparent; 0x04: opaque
  const bytes = gif([0x05, 0x09, 0x04, 0x05]);
  assert.equal(restoreToBackground(bytes, 'a.gif'), 2);
  const packed = [...bytes.keys()].filter((i) => bytes[i] === 0x21 && bytes[i + 1] === 0xf9).map((i) => bytes[i + 3]);
  assert.deepEqual(packed, [0x09, 0x09, 0x04, 0x09]);
  assert.equal(restoreToBackground(bytes, 'a.gif'), 0, 'a second pass changes nothing');
});

test('what is not a GIF is refused, naming the file', () => {
  assert.throws(
    () => restoreToBackground(Buffer.from('PNG not a gif'), 'x.gif'),
    (e: unknown) => e instanceof MediaError && /x\.gif: .*no GIF header/.test(e.message),
  );
  const cut = gif([0x05]).subarray(0, 30);
  assert.throws(() => restoreToBackground(cut, 'cut.gif'), /cut\.gif: .*no trailer/);
});
