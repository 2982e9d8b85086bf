import { z } from 'zod';

/** Stable codes programs switch on; messages are for people. */
export const ValidationCodeSchema = z.enum([
  'unknown-type',
  'unknown-version',
  'unknown-param',
  'missing-param',
  'bad-param',
  'unknown-input',
  'missing-input',
  'missing-node',
  'missing-output',
  'type-mismatch',
  'cycle',
  'constraint',
  'infer-failed',
  'unknown-target',
  'bad-form',
  'bypass-impossible',
  /** Something the node needs from this machine (e.g. ffmpeg) is not there. */
  'missing-tool',
]);
export type ValidationCode = z.infer<typeof ValidationCodeSchema>;

/** A problem found without running, addressed to a node and (where there is one) its param or input. */
export const ValidationErrorSchema = z.object({
  nodeId: z.string(),
  /** The param or input name; absent when the node as a whole is at fault. */
  field: z.string().optional(),
  code: z.string(),
  message: z.string(),
});
export type ValidationError = z.infer<typeof ValidationErrorSchema>;

/** Builds an error value, leaving `field` out when there is none. */
export function validationError(
  nodeId: string,
  field: string | undefined,
  code: ValidationCode,
  message: string,
): ValidationError {
  return field === undefined ? { nodeId, code, message } : { nodeId, field, code, message };
}
