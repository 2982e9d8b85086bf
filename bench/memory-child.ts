/**
 * Child process of the memory figure: `memory-child.ts baseline|run <pack> [target …]`. `baseline` loads
 * everything a run loads (Node, tsx, the engine, the node packs, the ONNX Runtime binding) and stops; `run`
 * also runs text-to-layers once (up to the targets, if any). Either way it prints its peak and current RSS
 * (VmHWM, VmRSS of /proc/self/status) as one JSON line.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { runPipeline, textToLayers } from './pipeline.ts';

function statusBytes(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

const mode = process.argv[2];
if (mode !== 'baseline' && mode !== 'run') throw new Error(`memory-child: mode ${mode}: want baseline or run`);
ort.listSupportedBackends(); // the native binding is loaded in both modes
const pipeline = await textToLayers(process.argv[3]);
const targets = process.argv.slice(4); // none: the whole preset
if (mode === 'run') await runPipeline(pipeline, pipeline.workflow, undefined, targets.length ? targets : undefined);
process.stdout.write(`${JSON.stringify({ hwm: statusBytes('VmHWM'), rss: statusBytes('VmRSS') })}\n`);
process.exit(0);
