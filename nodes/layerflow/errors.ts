/** Codes of the LayerFlow nodes' run-time errors; programs switch on them, users read the message. */
export type LayerflowErrorCode =
  | 'task-unsupported'
  | 'no-such-layer'
  | 'missing-layer'
  | 'missing-input'
  | 'shape-mismatch'
  | 'pack-mismatch'
  | 'bad-pack'
  | 'too-few-frames';

/** An error of a LayerFlow node, naming the param or input (`field`) it is about when there is one. */
export class LayerflowError extends Error {
  override name = 'LayerflowError';
  constructor(
    readonly code: LayerflowErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
