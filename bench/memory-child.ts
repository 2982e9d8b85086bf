/**
 * Child process of the memory figure: `memory-child.ts baseline|run <pack> <steps> [--decode-chunk=N] [--keep-sessions] [target …]`.
 * `baseline` loads everything a run loads (Node, tsx, the engine, the node packs, the ONNX Runtime binding)
 * and stops; `run` also runs text-to-layers once at `steps` steps (up to the targets, if any; VAE Decode in
 * N-frame passes with --decode-chunk; sessions released once idle, as `layerflow run`, unless --keep-sessions, as
 * the editor). Start it with bin/engine-env.js's environment, as the CLI starts its engine. Either way it prints its
 * peak and current RSS (VmHWM, VmRSS of /proc/self/status) as one JSON line.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { setSessionPolicy } from '../models/session/sessions.ts';
import { runPipeline, textToLayers } from './pipeline.ts';

function statusBytes(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

const [mode, pack, steps, ...rest] = process.argv.slice(2);
const chunk = rest.find((a) => a.startsWith('--decode-chunk='));
const keep = rest.includes('--keep-sessions');
const targets = rest.filter((a) => a !== chunk && a !== '--keep-sessions'); // none: the whole preset
if (mode !== 'baseline' && mode !== 'run') throw new Error(`memory-child: mode ${mode}: want baseline or run`);
if (!(Number(steps) >= 1)) throw new Error(`memory-child: steps ${steps}: want a number ≥ 1`);
ort.listSupportedBackends(); // the native binding is loaded in both modes
// As `layerflow run` (one job per process) unless --keep-sessions: as the editor, which keeps them for re-runs.
setSessionPolicy(keep ? 'keep' : 'release-idle');
const pipeline = await textToLayers(pack, Number(steps));
if (chunk) {
  const chunkFrames = Number(chunk.split('=')[1]);
  for (const node of Object.values(pipeline.workflow.nodes)) {
    if (node.type === 'layerflow.vae-decode') node.params = { ...node.params, chunkFrames };
  }
}
if (mode === 'run') await runPipeline(pipeline, pipeline.workflow, undefined, targets.length ? targets : undefined);
process.stdout.write(`${JSON.stringify({ hwm: statusBytes('VmHWM'), rss: statusBytes('VmRSS') })}\n`);
process.exit(0);
