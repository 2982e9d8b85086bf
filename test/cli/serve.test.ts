import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitForFile } from '../graph-engine/queue-toy-nodes.ts';
import { startCli } from './cli-process.ts';

/** Starts `layerflow serve` and resolves with its URL line once it prints it. */
function serve(args: string[], env?: NodeJS.ProcessEnv) {
  const run = startCli(['serve', ...args], undefined, env);
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    run.proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    run.done.then((r) => reject(new Error(`serve exited ${r.code} before its URL: ${r.stderr}`)));
  });
  url.catch(() => undefined); // a serve expected to refuse is awaited through `done`
  return { ...run, url };
}

test('a second serve on the same data folder refuses, naming the process that has it', async () => {
  const data = await mkdtemp(join(tmpdir(), 'lf-serve-'));
  const first = serve(['--data', data]);
  try {
    await first.url;
    const second = await serve(['--data', data]).done;
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`in use by process ${first.proc.pid}\\b`));
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'a message, not a stack trace');
  } finally {
    first.proc.kill('SIGINT');
    assert.equal((await first.done).code, 0);
    await rm(data, { recursive: true, force: true });
  }
});

test('--open hands the browser a private launch page, never the token on a command line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-open-'));
  const data = join(dir, 'data');
  const record = join(dir, 'opener-args');
  // A stand-in for xdg-open that records its arguments and the page it was given.
  const opener = join(dir, 'xdg-open');
  await writeFile(
    opener,
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${record}.tmp"\ncp "$1" "${record}.page"\nmv "${record}.tmp" "${record}"\n`,
  );
  await chmod(opener, 0o755);
  const run = serve(['--data', data, '--open'], { ...process.env, PATH: `${dir}:${process.env.PATH}` });
  try {
    const url = await run.url;
    const token = new URL(url).searchParams.get('token') ?? '';
    assert.ok(token.length > 10);
    await waitForFile(record);
    const args = await readFile(record, 'utf8');
    assert.ok(!args.includes(token), `the opener's arguments hold no token: ${args}`);
    const page = args.trim();
    assert.equal((await stat(page)).mode & 0o077, 0, 'the launch page is readable by this user only');
    assert.ok(
      (await readFile(`${record}.page`, 'utf8')).includes(token),
      'the page sends the browser on with the token',
    );
  } finally {
    run.proc.kill('SIGINT');
    assert.equal((await run.done).code, 0);
  }
  const page = (await readFile(record, 'utf8')).trim();
  await assert.rejects(stat(page), 'the launch page is removed when the server stops');
  await rm(dir, { recursive: true, force: true });
});
