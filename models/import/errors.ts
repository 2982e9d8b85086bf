/** What is wrong with a released checkpoint as an importer reads it; programs switch on the code. */
export type CheckpointErrorCode =
  | 'missing-file'
  | 'unknown-checkpoint'
  | 'config-mismatch'
  | 'missing-keys'
  | 'unexpected-keys'
  | 'shape-mismatch'
  | 'wrong-folder'
  | 'unrecognised'
  | 'duplicate-part'
  | 'missing-part'
  | 'parts-mismatch'
  | 'pack-exists';

/** An error naming the file and the keys (or config fields) it concerns. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly code: CheckpointErrorCode,
    readonly file: string,
    readonly keys: readonly string[],
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
