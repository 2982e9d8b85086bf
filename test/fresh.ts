/**
 * `npm run test:fresh [-- --keep]`: the README's set-up promise, tested on this machine as a newcomer's.
 * Clones the committed HEAD into a temporary folder (with ../shared beside it), hides the system's
 * ffmpeg, ffprobe and Chromium from PATH, empties the npm cache and the temp folder, runs the two
 * commands of the README's set-up section, and checks: the install printed no warning, the demo wrote
 * its files (the foreground with alpha) using the bundled ffmpeg, `layerflow doctor` passes, and every
 * test summary of `npm run check` has passes and no failure. Not part of `npm run check` (it downloads
 * the dependencies again and runs the whole suite: about 15 minutes). The folder is removed unless the
 * run fails or --keep is given.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { readVideo } from '../media/read-video.ts';

const ROOT = resolve(import.meta.dirname, '..');
const HIDDEN = new Set(['ffmpeg', 'ffprobe', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']);
const DEMO_FILES = ['foreground.webm', 'background.mp4', 'blend.mp4', 'contact-sheet.png', 'manifest.json'];

interface Step {
  command: string;
  code: number | null;
  seconds: number;
  output: string;
}

const problems: string[] = [];
const check = (ok: boolean, what: string) => {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'}  ${what}\n`);
  if (!ok) problems.push(what);
};

/** The commands of the README's set-up block, comments stripped. */
function setupCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Set-up'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** A folder of links to everything on PATH but ffmpeg, ffprobe and the browsers (first on PATH wins). */
async function hiddenPath(bin: string): Promise<string> {
  await mkdir(bin);
  const linked = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.endsWith(join('node_modules', '.bin'))) continue; // npm run's own additions
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (HIDDEN.has(name) || linked.has(name)) continue;
      linked.add(name);
      await symlink(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

function git(...args: string[]): string {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs one shell command in `cwd`, its output into `log` (and kept for the checks). */
function run(command: string, cwd: string, env: NodeJS.ProcessEnv, log: string): Promise<Step> {
  const started = performance.now();
  const file = createWriteStream(log);
  const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const take = (d: Buffer) => {
    output += d.toString();
    file.write(d);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((done) =>
    child.on('close', (code) => {
      file.end();
      done({ command, code, seconds: (performance.now() - started) / 1000, output });
    }),
  );
}

/** The test runner's closing counts ("# pass N", "# fail N"), one entry per run. */
function summaries(output: string): { pass: number; fail: number }[] {
  const pass = [...output.matchAll(/^# pass (\d+)$/gm)].map((m) => Number(m[1]));
  const fail = [...output.matchAll(/^# fail (\d+)$/gm)].map((m) => Number(m[1]));
  return pass.map((p, i) => ({ pass: p, fail: fail[i] ?? Number.NaN }));
}

async function checkDemo(repo: string, env: NodeJS.ProcessEnv): Promise<void> {
  const out = join(repo, 'out', 'demo');
  for (const f of DEMO_FILES) {
    const size = await stat(join(out, f)).then(
      (s) => s.size,
      () => 0,
    );
    check(size > 0, `demo wrote ${f} (${size} bytes)`);
  }
  const fg = await readVideo(join(out, 'foreground.webm')).catch((e: Error) => e);
  if (fg instanceof Error) return check(false, `foreground.webm reads back: ${fg.message}`);
  const alpha = fg.data.filter((_, i) => i % 4 === 3);
  const clear = alpha.filter((a) => a < 0.1).length;
  const opaque = alpha.filter((a) => a > 0.9).length;
  check(
    fg.channels === 4 && clear > 0 && opaque > 0,
    `foreground.webm has alpha: ${clear} clear, ${opaque} opaque pixels`,
  );
  const bg = await readVideo(join(out, 'background.mp4')).catch(() => undefined);
  check(
    fg.frames > 1 && fg.frames === bg?.frames,
    `foreground.webm has every frame: ${fg.frames} (background: ${bg?.frames})`,
  );
  const doctor = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'doctor', '--json'], {
    cwd: repo,
    env,
    encoding: 'utf8',
  });
  const report = JSON.parse(doctor.stdout || '{"checks":[]}') as {
    ok?: boolean;
    checks: { name: string; detail: string }[];
  };
  const detail = (name: string) => report.checks.find((c) => c.name === name)?.detail ?? '';
  check(doctor.status === 0 && report.ok === true, 'layerflow doctor passes in the clone');
  for (const name of ['ffmpeg (encode)', 'ffmpeg (read)', 'ffprobe'])
    check(/\(bundled[;)]/.test(detail(name)), `the clone uses the bundled ${name}: ${detail(name)}`);
  check(/@sparticuz\/chromium/.test(detail('test browser')), `the tests' browser: ${detail('test browser')}`);
}

async function main(): Promise<number> {
  const keep = process.argv.includes('--keep');
  const started = performance.now();
  const base = await mkdtemp(join(tmpdir(), 'lf-fresh-'));
  const repo = join(base, 'layerflow-studio');
  const head = git('rev-parse', 'HEAD');
  if (git('status', '--porcelain')) process.stdout.write('note: uncommitted changes are not part of this test\n');
  process.stdout.write(`testing ${head.slice(0, 10)} in ${base}\n`);
  git('clone', '--quiet', '--no-checkout', ROOT, repo);
  spawnSync('git', ['-C', repo, 'checkout', '--quiet', head]);
  await symlink(await realpath(join(ROOT, '..', 'shared')), join(base, 'shared'));
  await mkdir(join(base, 'tmp'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // npm run's variables would point the clone's npm at this checkout
    if (
      !k.startsWith('npm_') &&
      !['CHROMIUM', 'LAYERFLOW_FFMPEG', 'LAYERFLOW_FFPROBE', 'NODE_TEST_CONTEXT'].includes(k)
    )
      env[k] = v;
  }
  Object.assign(env, {
    PATH: await hiddenPath(join(base, 'bin')),
    TMPDIR: join(base, 'tmp'),
    npm_config_cache: join(base, 'npm-cache'),
  });
  const hidden = spawnSync('sh', ['-c', 'command -v ffmpeg ffprobe chromium; true'], { env, encoding: 'utf8' });
  check(hidden.stdout.trim() === '', 'ffmpeg, ffprobe and chromium are not on the PATH the commands get');

  const commands = setupCommands(await readFile(join(repo, 'README.md'), 'utf8'));
  check(commands.length === 2, `the README's set-up block has two commands: ${commands.join(' ; ')}`);
  const steps: Step[] = [];
  for (const [i, command] of commands.entries()) {
    process.stdout.write(`\n$ ${command}\n`);
    const step = await run(command, repo, env, join(base, `step-${i + 1}.log`));
    steps.push(step);
    process.stdout.write(`${step.output.trimEnd().split('\n').slice(-12).join('\n')}\n`);
    check(step.code === 0, `\`${command}\` exits 0 (${step.seconds.toFixed(0)} s)`);
    if (step.code !== 0) break;
  }
  const [install, tests] = steps;
  if (install) {
    const warnings = install.output.split('\n').filter((l) => /^npm warn/i.test(l));
    check(
      warnings.length === 0,
      `the install printed no npm warning${warnings.length ? `:\n${warnings.join('\n')}` : ''}`,
    );
    const cache = spawnSync('du', ['-sm', join(base, 'npm-cache')], { encoding: 'utf8', env });
    process.stdout.write(`info  npm downloaded ${cache.stdout.split('\t')[0]} MB into its empty cache\n`);
    if (install.code === 0) await checkDemo(repo, env);
  }
  if (tests) {
    const runs = summaries(tests.output);
    const text = runs.map((r) => `${r.pass} passed, ${r.fail} failed`).join('; ');
    check(runs.length >= 2 && runs.every((r) => r.pass > 0 && r.fail === 0), `test summaries: ${text || 'none'}`);
  }

  const wall = (performance.now() - started) / 1000;
  process.stdout.write(
    `\n${problems.length === 0 ? 'PASS' : 'FAIL'}: fresh clone, two README commands, ${wall.toFixed(0)} s wall ` +
      `(${steps.map((s) => `${s.command}: ${s.seconds.toFixed(0)} s`).join('; ')})\n`,
  );
  if (problems.length === 0 && !keep) await rm(base, { recursive: true, force: true });
  else process.stdout.write(`kept ${base} (step-N.log has each command's output)\n`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = await main();
