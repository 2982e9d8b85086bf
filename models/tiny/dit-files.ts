import { buildDit } from '../dit/build.ts';
import { randomDitWeights } from '../dit/random-weights.ts';
import { ditWeightShapes, POS_TABLE } from '../dit/weights.ts';
import type { PackConfig, Task } from '../pack/schema.ts';
import { f32Tensor, type StTensor, serializeSafetensors } from '../safetensors.ts';
import { tinyDitConfig } from './config.ts';
import type { PartFiles } from './part-files.ts';

/**
 * One DiT graph per task (tasks differ in frame count, text length and condition splice), plus the
 * layer embedder and the two LoRA sets as safetensors under the reference's names so nodes can show
 * and edit them.
 */
export function ditFiles(config: PackConfig, tasks: Task[], seed: number): PartFiles {
  const out: PartFiles = { roles: {}, contents: {} };
  for (const task of tasks) {
    const c = config.condition[task];
    const graph = buildDit(tinyDitConfig(config, task), taskWeights(config, task, seed), {
      task: (c?.taskIdx ?? 0) as 0 | 1 | 2 | 3,
      condFrames: c?.mode === 'splice' ? c.frames : undefined,
    });
    const path = `transformer-${task}.onnx`;
    out.roles[`transformer.${task}`] = { path };
    out.contents[path] = graph.serialize().model;
  }
  const base = tinyDitConfig(config, tasks[0]);
  const weights = taskWeights(config, tasks[0], seed);
  const shapes = ditWeightShapes(base);
  const pick = (test: (name: string) => boolean) => safetensorsOf(weights, shapes, test);
  out.roles.layerEmbedder = { path: 'layer-embedder.safetensors' };
  out.contents['layer-embedder.safetensors'] = pick((n) => n.includes('.txt_embedder.'));
  out.roles.loraMotion = { path: 'lora-motion.safetensors' };
  out.contents['lora-motion.safetensors'] = pick((n) => /\.matrix_[AB]\.\d+$/.test(n));
  out.roles.loraContent = { path: 'lora-content.safetensors' };
  out.contents['lora-content.safetensors'] = pick((n) => /\.matrix_[CD]\.\d+$/.test(n));
  return out;
}

/**
 * A task's weights: each tensor draws from its own (seed, name) stream, so tasks share every learnable
 * value. The position table is left out: it is a fixed sin-cos buffer that buildDit computes per task.
 */
function taskWeights(config: PackConfig, task: Task, seed: number): Map<string, Float32Array> {
  const weights = randomDitWeights(tinyDitConfig(config, task), seed);
  weights.delete(POS_TABLE);
  return weights;
}

function safetensorsOf(
  weights: Map<string, Float32Array>,
  shapes: Map<string, number[]>,
  test: (name: string) => boolean,
): Uint8Array {
  const tensors = new Map<string, StTensor>();
  for (const [name, data] of weights) if (test(name)) tensors.set(name, f32Tensor(data, shapes.get(name) as number[]));
  return serializeSafetensors(tensors);
}
