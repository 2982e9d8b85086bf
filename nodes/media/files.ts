import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { RunContext, SpecIssue } from '../../graph-engine/spec.ts';
import { MediaNodeError } from './node-error.ts';

/** The tag saved files carry the run's workflow under (renderer/model/embedded-workflow.ts reads it back). */
export const WORKFLOW_TAG = 'layerflow_workflow';
/** Linux caps one command-line argument (how ffmpeg gets tags) at 128 KiB; larger workflows are left out. */
const MAX_EMBEDDED_BYTES = 100_000;

/** The run's workflow as a file tag, so dropping the file on the editor reopens the graph that made it. */
export function workflowTags(ctx: RunContext): Record<string, string> {
  const bytes = Buffer.byteLength(ctx.workflowJson);
  if (bytes <= MAX_EMBEDDED_BYTES) return { [WORKFLOW_TAG]: ctx.workflowJson };
  ctx.log.warn(`the workflow (${bytes} bytes) is too large to embed in the saved files; manifest.json has it`);
  return {};
}

/** The file-name param of the save nodes: a name without folders; empty means the node id. */
export const FileNameParam = z
  .string()
  .regex(/^([\w][\w .-]*)?$/, 'a file name without folders')
  .default('')
  .meta({ label: 'File name (empty: the node id)' });

/** The base name to write under: the param (without `ext` if the user typed it) or else the node id. */
export function outputBase(name: string, nodeId: string, ext = ''): string {
  const trimmed = name.trim();
  if (trimmed === '') return nodeId;
  return ext && trimmed.toLowerCase().endsWith(ext) ? trimmed.slice(0, -ext.length) : trimmed;
}

/** A layer name safe as a file name. */
export function layerFileName(layer: string): string {
  return layer.replace(/[^\w.-]/g, '_') || 'layer';
}

/**
 * The input a file-reading node passes on when no file is chosen: presets link a Demo Clip here, so they
 * run out of the box and take the user's own file as soon as one is set (`--set input.path=clip.mp4`).
 */
export const FALLBACK_INPUT = {
  type: { kind: 'Video' },
  optional: true,
  docs: 'Used while no file is chosen (the shipped presets link a Demo Clip here).',
} as const;

/** A video read from the user's file: its shape is known once probed (spec.probe), its source always. */
export const FILE_VIDEO = { kind: 'Video', source: 'file' } as const;

/** The issue of a file param left empty with nothing linked to fall back on. */
export function noFileIssue(path: string, fallback: unknown, message: string): SpecIssue[] {
  return path.trim() === '' && fallback === undefined ? [{ field: 'path', code: 'no-file', message }] : [];
}

/** The fallback input's video, or the node's "choose a file" error when nothing is linked there either. */
export function fallbackVideo(fallback: unknown, message: string): unknown {
  if (fallback === undefined) throw new MediaNodeError('no-file', message, 'path');
  return fallback;
}

/** A key that changes when the file at `path` changes (size and mtime); "missing" when it is not there. */
export async function fileKey(path: string): Promise<string> {
  const s = await stat(path).catch(() => undefined);
  return s ? `${s.size}:${s.mtimeMs}` : 'missing';
}

const IMAGE = /\.(png|jpe?g)$/i;

/**
 * A key over every image in the folder a sequence reads (the folder itself, or the folder of a pattern):
 * names, sizes and mtimes, so adding, removing or rewriting a frame changes it.
 */
export async function folderKey(dirOrPattern: string): Promise<string> {
  const isDir = await stat(dirOrPattern).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const dir = isDir ? dirOrPattern : dirname(dirOrPattern);
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return 'missing';
  const hash = createHash('sha256');
  for (const name of names.filter((n) => IMAGE.test(n)).sort()) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    hash.update(`${name}\0${s?.size}\0${s?.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Checks that `path` is a readable file before FFmpeg sees it, so the error names it plainly. */
export async function requireFile(path: string, field: string, what: string): Promise<void> {
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (s instanceof Error) {
    const why = s.code === 'ENOENT' ? 'not found' : `not readable (${s.code ?? s.message})`;
    throw new MediaNodeError('file-missing', `${what} ${path}: ${why}`, field);
  }
  if (!s.isFile()) throw new MediaNodeError('not-a-file', `${what} ${path} is not a file`, field);
}

/** Checks that the folder a sequence path names (the path itself, or a pattern's folder) exists. */
export async function requireSequenceFolder(dirOrPattern: string, field: string): Promise<void> {
  const dirOf = await stat(dirOrPattern).then(
    (s) => (s.isDirectory() ? dirOrPattern : dirname(dirOrPattern)),
    () => dirname(dirOrPattern),
  );
  const s = await stat(dirOf).catch(() => undefined);
  if (!s?.isDirectory()) {
    const asked = dirOf === dirOrPattern ? '' : ` (for ${dirOrPattern})`;
    throw new MediaNodeError('file-missing', `frame folder ${dirOf} not found${asked}`, field);
  }
}
