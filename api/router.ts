import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { formatIssue } from '../graph-engine/issue-text.ts';
import { StudioError } from './errors.ts';
import { eventStream } from './event-stream.ts';
import { InputIssuesError, inputIssues, reservedInputIssues } from './input-issues.ts';
import type { StudioEvent } from './schemas.ts';
import {
  CatalogueSchema,
  CheckLinkInputSchema,
  FormSchema,
  ImportedWorkflowSchema,
  ImportInputSchema,
  InferredSchema,
  IssueSchema,
  JobDetailSchema,
  JobSummarySchema,
  OutputFileSchema,
  PackSummarySchema,
  PresetSummarySchema,
  SafeNameSchema,
  SubmitInputSchema,
  WorkflowDocSchema,
  WorkflowFileSchema,
} from './schemas.ts';
import type { StudioServices } from './services.ts';
import { UploadChunkSchema, UploadResultSchema } from './uploads.ts';

export interface ApiContext {
  services: StudioServices;
}

const t = initTRPC.context<ApiContext>().create({
  // No stack traces in answers, whatever NODE_ENV says: they are for the log, not for whoever asks.
  isDev: false,
  errorFormatter({ shape, error }) {
    const issues = inputIssues(error);
    if (!issues) return shape;
    return { ...shape, message: issues.map(formatIssue).join('\n'), data: { ...shape.data, issues } };
  },
});

const TRPC_CODE = { 'not-found': 'NOT_FOUND', 'bad-request': 'BAD_REQUEST', conflict: 'CONFLICT' } as const;

/** Maps service errors to tRPC codes so clients can tell "missing" from "broken". */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof StudioError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

/** A workflow input naming a node, param or input `__proto__` is refused before its schema drops the key. */
const refuseReservedNames = t.middleware(async ({ getRawInput, next }) => {
  const issues = reservedInputIssues(await getRawInput());
  if (issues.length > 0) throw new TRPCError({ code: 'BAD_REQUEST', cause: new InputIssuesError(issues) });
  return next();
});

const p = t.procedure.use(mapErrors).use(refuseReservedNames);
const JobIdSchema = z.object({ jobId: z.string().min(1).max(200) });
const NamedWorkflowSchema = z.object({ name: SafeNameSchema, workflow: WorkflowDocSchema });

export const appRouter = t.router({
  nodes: t.router({
    list: p.output(CatalogueSchema).query(({ ctx }) => ctx.services.catalogue()),
  }),
  workflow: t.router({
    validate: p
      .input(WorkflowDocSchema)
      .output(z.array(IssueSchema))
      .query(({ ctx, input }) => ctx.services.validate(input)),
    inferTypes: p
      .input(WorkflowDocSchema)
      .output(InferredSchema)
      .query(({ ctx, input }) => ctx.services.inferTypes(input)),
    checkLink: p
      .input(CheckLinkInputSchema)
      .output(z.object({ reason: z.string().nullable() }))
      .query(({ ctx, input }) => ({ reason: ctx.services.checkLink(input.workflow, input.from, input.to) })),
    files: p.output(z.array(WorkflowFileSchema)).query(({ ctx }) => ctx.services.workflows.list()),
    import: p
      .input(ImportInputSchema)
      .output(ImportedWorkflowSchema)
      .mutation(({ ctx, input }) => ctx.services.importWorkflow(input.json, input.name)),
    load: p
      .input(z.object({ name: SafeNameSchema }))
      .output(WorkflowDocSchema)
      .query(({ ctx, input }) => ctx.services.workflows.load(input.name)),
    save: p
      .input(NamedWorkflowSchema)
      .output(z.object({ ok: z.literal(true) }))
      .mutation(async ({ ctx, input }) => {
        await ctx.services.workflows.save(input.name, input.workflow);
        return { ok: true as const };
      }),
  }),
  presets: t.router({
    list: p.output(z.array(PresetSummarySchema)).query(({ ctx }) => ctx.services.presets.list()),
    load: p
      .input(z.object({ name: SafeNameSchema }))
      .output(WorkflowDocSchema)
      .query(({ ctx, input }) => ctx.services.presets.load(input.name)),
    save: p
      .input(NamedWorkflowSchema.extend({ form: FormSchema.optional() }))
      .output(z.object({ ok: z.literal(true) }))
      .mutation(async ({ ctx, input }) => {
        const workflow = input.form ? { ...input.workflow, form: input.form } : input.workflow;
        await ctx.services.presets.save(input.name, workflow);
        return { ok: true as const };
      }),
  }),
  jobs: t.router({
    submit: p
      .input(SubmitInputSchema)
      .output(z.object({ jobId: z.string() }))
      .mutation(({ ctx, input }) =>
        ctx.services.jobs.submit(input.workflow, { targets: input.targets, title: input.title }),
      ),
    cancel: p
      .input(JobIdSchema)
      .output(z.object({ cancelled: z.boolean() }))
      .mutation(async ({ ctx, input }) => ({ cancelled: await ctx.services.jobs.cancel(input.jobId) })),
    list: p.output(z.array(JobSummarySchema)).query(({ ctx }) => ctx.services.jobs.list()),
    get: p
      .input(JobIdSchema)
      .output(JobDetailSchema)
      .query(async ({ ctx, input }) => {
        const job = await ctx.services.jobs.get(input.jobId);
        if (!job) throw new StudioError('not-found', `no job "${input.jobId}"`);
        return job;
      }),
  }),
  events: p
    .input(z.object({ jobId: z.string().optional() }).optional())
    // Subscriptions yield many values, so the per-event schema documents the type rather than an output().
    .subscription(
      ({ ctx, input, signal }): AsyncGenerator<StudioEvent> =>
        eventStream(
          (listener) => ctx.services.jobs.subscribe(listener),
          signal,
          (e) => !input?.jobId || e.jobId === input.jobId,
        ),
    ),
  packs: t.router({
    list: p.output(z.array(PackSummarySchema)).query(({ ctx }) => ctx.services.packs.list()),
  }),
  media: t.router({
    /** Browser mode's file picker: the file in chunks, into the server's input folder. */
    upload: p
      .input(UploadChunkSchema)
      .output(UploadResultSchema)
      .mutation(({ ctx, input }) => ctx.services.upload(input)),
  }),
  outputs: t.router({
    list: p
      .input(JobIdSchema)
      .output(z.array(OutputFileSchema))
      .query(({ ctx, input }) => ctx.services.outputs.list(input.jobId)),
    openFolder: p
      .input(JobIdSchema)
      .output(z.object({ path: z.string(), opened: z.boolean(), reason: z.string().optional() }))
      .mutation(({ ctx, input }) => ctx.services.outputs.openFolder(input.jobId)),
  }),
});

export type AppRouter = typeof appRouter;
