import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeVideo } from '../../../media/write-video.ts';
import { saveImage } from '../../../nodes/media/save-image.ts';
import { saveVideo } from '../../../nodes/media/save-video.ts';
import { embeddedWorkflowText, WORKFLOW_KEY } from '../../../renderer/model/embedded-workflow.ts';
import { smoothClip } from '../../media/clips.ts';
import { runNode, TEST_WORKFLOW_JSON } from './run-node.ts';

/** Files the save nodes write carry the run's workflow, and the editor's reader finds it again. */

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-embed-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const rgb = smoothClip(7, 3, 18, 22, 3, 8);
const rgba = smoothClip(8, 3, 18, 22, 4, 8);

test('MP4, WebM and MOV videos carry the workflow that made them; GIF does not', async () => {
  const cases = [
    { format: 'mp4-h264', file: 'a.mp4', embeds: true },
    { format: 'webm-vp9-alpha', file: 'b.webm', embeds: true },
    { format: 'prores4444', file: 'c.mov', embeds: true },
    { format: 'gif', file: 'd.gif', embeds: false },
  ] as const;
  for (const c of cases) {
    const filename = c.file.split('.')[0];
    await runNode(saveVideo, { video: c.format === 'mp4-h264' ? rgb : rgba }, { format: c.format, filename }, dir);
    const text = embeddedWorkflowText(await readFile(join(dir, c.file)));
    assert.equal(text, c.embeds ? TEST_WORKFLOW_JSON : undefined, c.format);
  }
});

/** A workflow of `n` nodes whose text needs escaping in most formats (quotes, `=;#\\`, newlines, non-ASCII). */
function bigWorkflowJson(n: number): string {
  const nodes = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `n${i}`,
      { type: 'x.prompt', typeVersion: 1, params: { text: `café ✓ #${i}; a=b \\ "q"\nline` }, inputs: {} },
    ]),
  );
  return JSON.stringify({ schemaVersion: 2, nodes, meta: { title: 'big' } }, null, 1);
}

// The static ffmpeg we encode with read FFMETADATA lines up to 1,024 bytes: a real workflow was cut short.
test('a workflow of tens of kilobytes comes back whole from MP4, WebM and MOV', async () => {
  const workflow = bigWorkflowJson(250);
  assert.ok(workflow.length > 20_000, `${workflow.length} bytes`);
  const cases = [
    { format: 'mp4-h264', file: 'big.mp4', clip: rgb },
    { format: 'webm-vp9-alpha', file: 'big.webm', clip: rgba },
    { format: 'prores4444', file: 'big.mov', clip: rgba },
  ] as const;
  for (const c of cases) {
    const path = join(dir, c.file);
    await writeVideo(c.clip, path, c.format, { padOdd: true, metadata: { [WORKFLOW_KEY]: workflow } });
    assert.equal(embeddedWorkflowText(await readFile(path)), workflow, c.format);
  }
});

test('every layer file of a layered save carries the workflow', async () => {
  const layers = { layers: ['foreground', 'background'], clips: { foreground: rgba, background: rgb } };
  await runNode(saveVideo, { layers }, { format: 'webm-vp9-alpha', filename: 'layers' }, dir);
  for (const layer of ['foreground', 'background']) {
    assert.equal(embeddedWorkflowText(await readFile(join(dir, 'layers', `${layer}.webm`))), TEST_WORKFLOW_JSON);
  }
});

test('PNG frames and contact sheets carry the workflow in an iTXt chunk', async () => {
  await runNode(saveImage, { video: rgba }, { image: 'frame', frame: 1, filename: 'frame' }, dir);
  await runNode(saveImage, { video: rgb }, { image: 'contact-sheet', filename: 'sheet' }, dir);
  for (const file of ['frame.png', 'sheet.png']) {
    assert.equal(embeddedWorkflowText(await readFile(join(dir, file))), TEST_WORKFLOW_JSON, file);
  }
});

test('a workflow or manifest JSON file reads as itself; other files hold none', () => {
  const json = new TextEncoder().encode('\n  {"schemaVersion":2,"nodes":{}}');
  assert.equal(embeddedWorkflowText(json), '\n  {"schemaVersion":2,"nodes":{}}');
  assert.equal(embeddedWorkflowText(new TextEncoder().encode('hello')), undefined);
  assert.equal(embeddedWorkflowText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), undefined);
});
