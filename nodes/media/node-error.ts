/** Why a media node refused its inputs or params; programs switch on `code`, users read `message`. */
export type MediaNodeErrorCode =
  | 'file-missing'
  | 'not-a-file'
  | 'frame-range'
  | 'shape-mismatch'
  | 'invalid-input'
  | 'no-input'
  | 'no-file';

/** A media node's error, addressed to the param or input (`field`) it is about. */
export class MediaNodeError extends Error {
  override name = 'MediaNodeError';
  constructor(
    readonly code: MediaNodeErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
