export { DIT_PREFIX, type DitCheckpoint, type OpenDitOptions, openDitCheckpoint } from './dit-checkpoint.ts';
export { CheckpointError, type CheckpointErrorCode } from './errors.ts';
export {
  DIT_CALLS,
  type DitCall,
  parseCheckpointConfig,
  RELEASED_FOLDERS,
  type ReleasedFacts,
  releasedDitConfig,
  type Variant,
} from './released.ts';
export { writeSyntheticDitCheckpoint } from './synthetic-dit.ts';
export { inferVaeConfig, type OpenVaeOptions, openVaeCheckpoint, type VaeCheckpoint } from './vae-checkpoint.ts';
