/** What went wrong with a pack; programs switch on it, users read the message. */
export type PackErrorCode =
  | 'manifest-missing'
  | 'manifest-json'
  | 'manifest-schema'
  | 'file-missing'
  | 'file-truncated'
  | 'hash-mismatch'
  | 'onnx-unreadable'
  | 'onnx-inputs'
  | 'write-failed';

/** An error about one file of a model pack: `file` is the path the user can open. */
export class PackError extends Error {
  override readonly name = 'PackError';

  constructor(
    readonly code: PackErrorCode,
    readonly file: string,
    message: string,
    /** JSON path inside the manifest, for schema errors. */
    readonly path?: (string | number)[],
  ) {
    super(message);
  }
}
