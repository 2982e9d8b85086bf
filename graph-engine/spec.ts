import type { z } from 'zod';
import type { PortType } from './ports.ts';

/**
 * A node is data (its spec) plus a run function. The editor, CLI and engine all read the spec; `run`
 * takes inputs and params and returns outputs, talking to the outside only through its context.
 */

/** pure: same inputs+params → same outputs (cached); seeded: pure given its resolved `seed` param;
 * external: reads the outside world (files, packs), cached under `externalKey`; sink: writes outside,
 * runs whenever requested unless it declares `writesRunFiles`. */
/** One labelled preview image. */
export interface Preview {
  label: string;
  dataUrl: string;
}

export type Purity = 'pure' | 'seeded' | 'external' | 'sink';

export interface InputPort {
  /** Port kind name (see ports.ts), e.g. "Video". Fields here constrain what the input accepts. */
  type: PortType;
  optional?: boolean;
  docs?: string;
}

export interface OutputPort {
  type: PortType;
  docs?: string;
}

/** An issue found without running, addressed to a param or input of the node. */
export interface SpecIssue {
  field: string;
  code: string;
  message: string;
}

/** Something worth telling while editing that blocks nothing (a resize the node will do, a caveat). */
export interface SpecNote {
  field: string;
  level: 'info' | 'warning';
  message: string;
}

export interface InferResult {
  /** Output types, as precise as the inputs and params allow. */
  outputs: Record<string, PortType>;
  /** Constraint failures (e.g. frames ≢ 1 mod 4), reported while editing. */
  issues?: SpecIssue[];
  /** Shown on the node and kept in the run manifest; never stop a run. */
  notes?: SpecNote[];
}

/** What an external node's file holds, read while editing: exact output types, and facts for people. */
export interface ProbeResult {
  outputs: Record<string, PortType>;
  /** e.g. frames, size, fps and a thumbnail data URL, shown on the node. */
  facts: Record<string, unknown>;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunContext {
  nodeId: string;
  /** Aborted when the job is cancelled; long loops must check it (or call throwIfAborted) each step. */
  signal: AbortSignal;
  /** fraction in [0,1]; the engine adds ETA and timing. */
  progress(fraction: number, message?: string): void;
  /**
   * A small preview for the editor (e.g. a PNG data URL per layer). Given as a function, it is called only
   * when the job has a listener for its events, so a run nobody watches does not render previews.
   */
  preview(preview: Preview[] | (() => Preview[])): void;
  log: Logger;
  /** Where sink nodes write files for this run (the run's output folder). */
  outDir: string;
  /** Facts a node reports for the run manifest and job events (e.g. device, model hashes). */
  report(facts: Record<string, unknown>): void;
  /**
   * The run's workflow as JSON text (seeds resolved, its title in meta), for sinks that embed it in the
   * files they write so that opening such a file brings back the graph that made it.
   */
  workflowJson: string;
  /** What the node's `prepare` returned at the start of the job, if it has one. */
  prepared?: Prepared;
  /**
   * Standard-normal draws that seeded nodes (VAE Encode's posterior sample, the DiT sampler) take instead of
   * their seeded source, in the order they draw: a recorded run replayed (the golden pipeline test). The
   * engine never sets it.
   */
  noise?: (length: number) => Float32Array;
}

/** Set-up a node started early (e.g. an encoder process); the engine disposes of it when the job ends. */
export interface Prepared {
  /** Releases what `run` did not use up (called once, whether or not the node ran). */
  dispose(): Promise<void>;
}

export interface NodeSpec<P extends z.ZodObject = z.ZodObject> {
  /** Stable id, "<pack>.<name>", e.g. "layerflow.dit-sampler". */
  type: string;
  version: number;
  category: string;
  title: string;
  /** Markdown: what it does, for the palette and `layerflow nodes`. */
  docs: string;
  purity: Purity;
  inputs: Record<string, InputPort>;
  outputs: Record<string, OutputPort>;
  /** Params as a zod object; UI hints go in `.meta({ widget, step, choices, ... })` of each field. */
  params: P;
  /** Output types from input types (undefined = not connected / unknown) and params, without running. */
  infer?(inputs: Record<string, PortType | undefined>, params: z.infer<P>): InferResult;
  /**
   * For sinks whose only effect is files written under ctx.outDir (Save Video, Save Image): a later run
   * with unchanged inputs and params gets those files linked into its own folder instead of running.
   * The files are those it reports as `files` (paths relative to ctx.outDir) through ctx.report, else
   * whatever appeared in the folder while it ran (with sinks running side by side, theirs too).
   */
  writesRunFiles?: boolean;
  /**
   * Called when the job starts for a node that will run (not a cache hit), with its params only: starts
   * slow set-up that does not need the inputs (a sink's encoder process), so that it overlaps the nodes
   * upstream. The result reaches `run` as ctx.prepared.
   */
  prepare?(params: z.infer<P>, ctx: RunContext): Prepared | undefined;
  /**
   * What the node needs from this machine to run with these params (e.g. ffmpeg for a video format),
   * checked by validation before any node runs so a missing tool fails the job at once, not after
   * minutes of sampling. Must be cheap: it runs on every validation.
   */
  checkEnvironment?(params: z.infer<P>): SpecIssue[];
  /** For external nodes: a string that changes when what the node reads changes (file hash, mtime). */
  externalKey?(params: z.infer<P>): Promise<string>;
  /**
   * For external nodes: reads what the file holds (size, frame count…) without running, so the editor
   * shows it and inference downstream knows it; undefined when there is nothing to read yet.
   */
  probe?(params: z.infer<P>): Promise<ProbeResult | undefined>;
  run(inputs: Record<string, unknown>, params: z.infer<P>, ctx: RunContext): Promise<Record<string, unknown>>;
}

/** Identity helper that keeps the params type when declaring a node. */
export function defineNode<P extends z.ZodObject>(spec: NodeSpec<P>): NodeSpec<P> {
  return spec;
}
