import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressView } from '../../cli/progress-view.ts';
import { outcomeLine } from '../../cli/run-view.ts';
import type { EngineEvent } from '../../graph-engine/events.ts';
import type { JobOutcome } from '../../graph-engine/run-job.ts';

function fakeTerminal(columns: number) {
  const terminal = {
    columns,
    text: '',
    write(s: string) {
      terminal.text += s;
      return true;
    },
  };
  return terminal;
}

const at = { jobId: 'j', time: 0 };

test('the terminal view shows a bar with step text and ETA per running node, then ticks and the outcome', () => {
  const term = fakeTerminal(100);
  const view = progressView(term as unknown as NodeJS.WriteStream);
  const events: EngineEvent[] = [
    { type: 'job-started', targets: ['s'], ...at },
    { type: 'node-cache-hit', nodeId: 'a', key: 'k', ...at },
    { type: 'node-finished', nodeId: 'a', ms: 0, cached: true, ...at },
    { type: 'node-started', nodeId: 's', nodeType: 'layerflow.sampler', reason: 'no cache', ...at },
    { type: 'node-progress', nodeId: 's', fraction: 3 / 7, message: 'step 3/7', etaMs: 4321, ...at },
  ];
  for (const e of events) view.event(e);
  view.say('cancelling…');
  const frame = term.text.split('cancelling…')[0];
  assert.match(frame, /✓ a\s.*cached/);
  assert.match(frame, /▸ s\s+layerflow\.sampler\s+█{10}░{14}\s+43%\s+step 3\/7\s+ETA 4\.3s/);

  view.event({ type: 'node-finished', nodeId: 's', ms: 12_345, cached: false, ...at });
  view.done({
    result: { status: 'finished' },
    manifest: { ms: 13_000, files: [{ path: 'a.mp4', bytes: 1 }] },
    manifestPath: '/o/manifest.json',
  } as JobOutcome);
  const end = term.text.split('cancelling…')[1];
  assert.match(end, /✓ s\s+layerflow\.sampler\s+12s/);
  assert.match(end, /finished in 13\.0s\nmanifest: \/o\/manifest\.json\n$/);
});

test('lines are cut to the terminal width so redraws stay in place', () => {
  const term = fakeTerminal(30);
  const view = progressView(term as unknown as NodeJS.WriteStream);
  view.event({
    type: 'node-started',
    nodeId: 'a-rather-long-node-id',
    nodeType: 'pack.some-long-type',
    reason: '',
    ...at,
  });
  view.say('x');
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9]*[A-Z]`, 'g');
  for (const line of term.text.split('\n')) assert.ok(line.replace(ansi, '').length < 30, line);
});

test('a finished run that saved nothing says so, and the nodes’ warnings are printed', () => {
  const line = outcomeLine({
    result: { status: 'finished' },
    manifest: {
      ms: 2_000,
      files: [],
      notes: [
        { nodeId: 'dec', field: 'video', level: 'warning', message: 'the demo pack knows only its library' },
        { nodeId: 'dec', field: 'fit', level: 'info', message: 'resized 96×54 → 64×64 (crop)' },
      ],
    },
    manifestPath: '/o/manifest.json',
  } as unknown as JobOutcome);
  assert.match(line, /^finished in 2\.0s — but nothing was saved: no Save node ran/);
  assert.match(line, /\nwarning: node dec: the demo pack knows only its library\n/);
  assert.doesNotMatch(line, /resized/, 'info notes stay in the manifest');
});
