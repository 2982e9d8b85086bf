import type { OpenFolderResult } from './open-folder.ts';
import type {
  Catalogue,
  ImportedWorkflow,
  Inferred,
  Issue,
  JobDetail,
  JobSummary,
  OutputFile,
  PackSummary,
  PresetSummary,
  StudioEvent,
  WorkflowDoc,
} from './schemas.ts';
import type { UploadChunk, UploadResult } from './uploads.ts';

/**
 * What the router needs from the engine and the disk. The real implementation (studio.ts) wires the
 * graph engine, node registry, job queue and presets; tests pass small fakes.
 */
export interface StudioServices {
  catalogue(): Catalogue;
  validate(workflow: WorkflowDoc): Promise<Issue[]>;
  /** Types of every output and edge, with what file nodes' files hold (read once per file version). */
  inferTypes(workflow: WorkflowDoc): Promise<Inferred>;
  /** Why `from` cannot feed `to` in this workflow, or null when it can. */
  checkLink(
    workflow: WorkflowDoc,
    from: { node: string; output: string },
    to: { node: string; input: string },
  ): string | null;
  /**
   * A workflow from a file the user opened or dropped: a workflow document, or a run manifest (the
   * workflow it ran), migrated to the current format; `name` is the file's, for messages and the title.
   */
  importWorkflow(json: unknown, name: string): Promise<ImportedWorkflow>;
  workflows: {
    list(): Promise<{ name: string; modified: number }[]>;
    load(name: string): Promise<WorkflowDoc>;
    save(name: string, workflow: WorkflowDoc): Promise<void>;
  };
  presets: {
    list(): Promise<PresetSummary[]>;
    load(name: string): Promise<WorkflowDoc>;
    save(name: string, workflow: WorkflowDoc): Promise<void>;
  };
  jobs: {
    submit(workflow: WorkflowDoc, opts: { targets?: string[]; title?: string }): Promise<{ jobId: string }>;
    cancel(jobId: string): Promise<boolean>;
    list(): Promise<JobSummary[]>;
    get(jobId: string): Promise<JobDetail | undefined>;
    /** Calls `listener` for every event until the returned function is called. */
    subscribe(listener: (event: StudioEvent) => void): () => void;
  };
  packs: { list(): Promise<PackSummary[]> };
  /** A chunk of a file picked in the browser, stored in the input folder; the path once complete. */
  upload(chunk: UploadChunk): Promise<UploadResult>;
  outputs: {
    list(jobId: string): Promise<OutputFile[]>;
    /** Opens the job's output folder in the desktop's file manager; says where it is either way. */
    openFolder(jobId: string): Promise<OpenFolderResult>;
  };
  /** Shutdown: cancels the running job, keeps queued ones for the next launch, closes the journal. */
  close?(): Promise<void>;
}
