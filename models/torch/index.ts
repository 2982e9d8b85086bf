export { type ArchiveRecord, openTorchArchive, readRecord, type TorchArchive } from './archive.ts';
export { TorchFileError, type TorchFileErrorCode } from './errors.ts';
export { findTorchGlobal, type StorageDType, TorchStorage, TorchTensor } from './globals.ts';
export { loadTorchFile, stateDictSources, type TorchFile, topLevelDict } from './load.ts';
export { PyDict, type PyValue, unpickle } from './pickle.ts';
export { tensorSource } from './tensor.ts';
export {
  CallToWrite,
  OrderedDictToWrite,
  type PickleValue,
  pickle,
  type StorageToWrite,
  TensorToWrite,
  writeTorchFile,
} from './write.ts';
