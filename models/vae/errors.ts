/** What went wrong building a VAE graph; programs switch on it, users read the message. */
export type VaeErrorCode = 'missing-weight' | 'weight-shape' | 'weight-range';

/** An error naming the weight (`where`) that made the VAE unbuildable. */
export class VaeError extends Error {
  override readonly name = 'VaeError';

  constructor(
    readonly code: VaeErrorCode,
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}
