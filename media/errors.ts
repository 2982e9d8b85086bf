/** Why a media operation failed; programs switch on `code`, users read `message`. */
export type MediaErrorCode =
  | 'shape-mismatch'
  | 'invalid-frames'
  | 'ffmpeg-missing'
  | 'ffmpeg-failed'
  | 'odd-size'
  | 'alpha-lost'
  | 'unsupported'
  | 'no-frames'
  | 'too-large';

/** A media error naming the input or file it is about. */
export class MediaError extends Error {
  override name = 'MediaError';
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    readonly place?: { input?: string; file?: string },
  ) {
    super(message);
  }
}
