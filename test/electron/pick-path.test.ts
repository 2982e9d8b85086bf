import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PickResultSchema } from '../../api/pick-path.ts';
import { type OpenDialog, pickPath } from '../../electron/pick-path.ts';

// The main process's answer to "Choose…" on a file param, with the native dialog replaced by one that
// answers as told and records what it was asked: no Electron binary is needed.

type Asked = Parameters<OpenDialog['showOpenDialog']>[1];

function dialogAnswering(path: string | undefined): OpenDialog & { asked: Asked[]; windows: unknown[] } {
  const asked: Asked[] = [];
  const windows: unknown[] = [];
  return {
    asked,
    windows,
    async showOpenDialog(window, opts) {
      windows.push(window);
      asked.push(opts);
      return path === undefined ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [path] };
    },
  };
}

const VIDEO = { folder: false, extensions: ['mp4', 'webm', 'mov'], field: 'Load Video · File' };
const FRAMES = { folder: true, extensions: ['png'], field: 'Load Frames · Folder' };
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-pick-'));
  await writeFile(join(dir, 'beach walk.MP4'), 'video bytes');
  await writeFile(join(dir, 'notes.txt'), 'not a video');
  await mkdir(join(dir, 'frames'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a chosen video is answered with its path; the dialog offers only the field’s kinds, over the window', async () => {
  const clip = join(dir, 'beach walk.MP4');
  const dialog = dialogAnswering(clip);
  const win = { id: 'main window' };
  const answer = await pickPath(dialog, win, VIDEO);
  assert.deepEqual(PickResultSchema.parse(answer), { path: clip });
  assert.deepEqual(dialog.asked, [
    { properties: ['openFile'], filters: [{ name: 'Media', extensions: ['mp4', 'webm', 'mov'] }] },
  ]);
  assert.equal(dialog.windows[0], win, 'the dialog is modal to the app window');
});

test('cancelling the dialog is answered as cancelled, with no path and no error', async () => {
  assert.deepEqual(await pickPath(dialogAnswering(undefined), {}, VIDEO), { canceled: true });
});

test('a file of another kind, typed past the filter, is refused naming the node’s field and the file', async () => {
  const notes = join(dir, 'notes.txt');
  const answer = await pickPath(dialogAnswering(notes), {}, VIDEO);
  assert.deepEqual(answer, {
    error: `Load Video · File: “${notes}” is not a file it reads (mp4, webm, mov)`,
  });
});

test('a file that is gone, or a folder where a file is wanted, is refused naming both', async () => {
  const gone = join(dir, 'deleted.mp4');
  assert.deepEqual(await pickPath(dialogAnswering(gone), {}, VIDEO), {
    error: `Load Video · File: cannot read “${gone}” (ENOENT)`,
  });
  const folder = join(dir, 'frames');
  assert.deepEqual(await pickPath(dialogAnswering(folder), {}, VIDEO), {
    error: `Load Video · File: “${folder}” is not a file`,
  });
});

test('Load Frames asks for a folder and takes one; a single file is refused', async () => {
  const folder = join(dir, 'frames');
  const dialog = dialogAnswering(folder);
  assert.deepEqual(await pickPath(dialog, {}, FRAMES), { path: folder });
  assert.deepEqual(dialog.asked[0], { properties: ['openDirectory'], filters: undefined });
  const notes = join(dir, 'notes.txt');
  assert.deepEqual(await pickPath(dialogAnswering(notes), {}, FRAMES), {
    error: `Load Frames · Folder: “${notes}” is not a folder of frames`,
  });
});

test('a malformed request opens no dialog and says what is wrong', async () => {
  const dialog = dialogAnswering(join(dir, 'notes.txt'));
  const answer = await pickPath(dialog, {}, { folder: 'yes', extensions: 'mp4' });
  assert.ok('error' in answer && /malformed/.test(answer.error), JSON.stringify(answer));
  assert.equal(dialog.asked.length, 0);
});
