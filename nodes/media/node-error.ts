/** Why a media node refused its inputs or params; programs switch on `code`, users read `message`. */
export type MediaNodeErrorCode =
  | 'file-missing'
  | 'not-a-file'
  | 'frame-range'
  | 'shape-mismatch'
  | 'invalid-input'
  | 'no-input'
  | 'too-large'
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

/** A media library error about the file a param names, addressed to that param (size limits, mostly). */
export function atField<T>(field: string, work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    if (err instanceof Error && (err as { code?: string }).code === 'too-large') {
      throw new MediaNodeError('too-large', err.message, field);
    }
    throw err;
  });
}
