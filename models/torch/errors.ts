/** What went wrong reading a torch file; programs switch on it, users read the message. */
export type TorchFileErrorCode =
  | 'not-torch-zip'
  | 'truncated'
  | 'missing-record'
  | 'compressed-record'
  | 'unknown-global'
  | 'bad-opcode'
  | 'bad-pickle'
  | 'bad-tensor'
  | 'changed';

/** An error naming the file and, where one applies, the record, global or state-dict key (`where`). */
export class TorchFileError extends Error {
  override readonly name = 'TorchFileError';

  constructor(
    readonly code: TorchFileErrorCode,
    readonly file: string,
    readonly where: string | undefined,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
