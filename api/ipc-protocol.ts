import { z } from 'zod';

/** Messages of the Electron IPC bridge; both ends parse what they receive with these. */
export const IPC_CHANNEL = 'layerflow:trpc';

export const IpcRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('call'),
    id: z.number().int(),
    type: z.enum(['query', 'mutation', 'subscription']),
    path: z.string().max(200),
    input: z.unknown().optional(),
  }),
  z.object({ kind: z.literal('stop'), id: z.number().int() }),
]);
export type IpcRequest = z.infer<typeof IpcRequestSchema>;

export const IpcErrorShapeSchema = z.looseObject({ message: z.string(), code: z.number(), data: z.unknown() });

export const IpcResponseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('data'), id: z.number().int(), data: z.unknown() }),
  z.object({ kind: z.literal('started'), id: z.number().int() }),
  z.object({ kind: z.literal('end'), id: z.number().int() }),
  z.object({ kind: z.literal('error'), id: z.number().int(), error: IpcErrorShapeSchema }),
]);
export type IpcResponse = z.infer<typeof IpcResponseSchema>;
