import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runTool } from '../../media/ffmpeg.ts';
import { SpawnError, spawnTool } from '../../media/spawn.ts';

/** The parent process id of `pid`, from /proc (Linux). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

const linux = process.platform === 'linux';

test('tools are started by the host process, not forked from this one', { skip: !linux && 'needs /proc' }, async () => {
  const tool = await spawnTool('sleep', ['5'], ['ignore', 'pipe', 'pipe']);
  const pid = (tool as unknown as { pid: number }).pid;
  try {
    const parent = parentOf(pid);
    assert.notEqual(parent, process.pid, 'sleep runs as a child of the host');
    assert.equal(parentOf(parent), process.pid, "the host is this process's child");
  } finally {
    const closed = new Promise<[number | null, string | null]>((r) => tool.on('close', (c, s) => r([c, s])));
    tool.kill('SIGKILL');
    assert.deepEqual(await closed, [null, 'SIGKILL']);
  }
});

test('every byte crosses the host: stdin in, stdout and stderr out from the first byte, a side pipe, exit codes', async () => {
  const bytes = new Uint8Array(3 * 2 ** 20).map((_, i) => (i * 7 + (i >> 11)) & 255);
  // ffmpeg copies raw bytes from stdin to stdout, while the metadata on fd 3 is read too
  const out = await runTool(
    'ffmpeg',
    [
      ...['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '1024x1024', '-i', 'pipe:0'],
      ...['-f', 'ffmetadata', '-i', 'pipe:3', '-map', '0:v', '-c', 'rawvideo', '-f', 'rawvideo', 'pipe:1'],
    ],
    {
      file: 'copy',
      input: [bytes.subarray(0, 5), bytes.subarray(5)],
      side: (async function* () {
        yield new TextEncoder().encode(';FFMETADATA1\ntitle=x\n');
      })(),
    },
  );
  assert.equal(out.length, bytes.length);
  assert.ok(Buffer.from(bytes).equals(out), 'the same bytes came back');
  await assert.rejects(
    runTool('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'nosuchfilter', '-f', 'null', '-'], { file: 'bad.mp4' }),
    (e: Error) => /ffmpeg failed on bad\.mp4/.test(e.message) && /nosuchfilter|No such filter/i.test(e.message),
  );
});

test('a tool that cannot start is a SpawnError with its code', async () => {
  await assert.rejects(spawnTool('/nonexistent/tool', [], ['ignore', 'pipe', 'pipe']), (e: unknown) => {
    return e instanceof SpawnError && e.code === 'ENOENT';
  });
});
