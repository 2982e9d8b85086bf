export { spatialFactor, type VaeConfig, VaeConfigSchema } from './config.ts';
export { buildVaeDecoder } from './decoder.ts';
export { buildVaeEncoder } from './encoder.ts';
export { VaeError, type VaeErrorCode } from './errors.ts';
export { randomVaeWeights } from './random-weights.ts';
export { vaeDecoderWeightShapes, vaeEncoderWeightShapes, vaeWeightShapes } from './weights.ts';
