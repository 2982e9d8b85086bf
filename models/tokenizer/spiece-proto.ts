import protobuf from 'protobufjs';

/**
 * The fields of sentencepiece_model.proto (proto2) that tokenization needs, as a protobufjs JSON
 * descriptor: field numbers and defaults as in the original, everything else skipped on decode.
 */
const DESCRIPTOR = {
  nested: {
    sentencepiece: {
      nested: {
        TrainerSpec: {
          fields: {
            modelType: { type: 'int32', id: 3, options: { default: 1 } },
            vocabSize: { type: 'int32', id: 4, options: { default: 8000 } },
            byteFallback: { type: 'bool', id: 35, options: { default: false } },
            unkId: { type: 'int32', id: 40, options: { default: 0 } },
            bosId: { type: 'int32', id: 41, options: { default: 1 } },
            eosId: { type: 'int32', id: 42, options: { default: 2 } },
            padId: { type: 'int32', id: 43, options: { default: -1 } },
            unkPiece: { type: 'string', id: 45, options: { default: '<unk>' } },
            bosPiece: { type: 'string', id: 46, options: { default: '<s>' } },
            eosPiece: { type: 'string', id: 47, options: { default: '</s>' } },
            padPiece: { type: 'string', id: 48, options: { default: '<pad>' } },
          },
        },
        NormalizerSpec: {
          fields: {
            name: { type: 'string', id: 1 },
            precompiledCharsmap: { type: 'bytes', id: 2 },
            addDummyPrefix: { type: 'bool', id: 3, options: { default: true } },
            removeExtraWhitespaces: { type: 'bool', id: 4, options: { default: true } },
            escapeWhitespaces: { type: 'bool', id: 5, options: { default: true } },
          },
        },
        ModelProto: {
          fields: {
            pieces: { rule: 'repeated', type: 'SentencePiece', id: 1 },
            trainerSpec: { type: 'TrainerSpec', id: 2 },
            normalizerSpec: { type: 'NormalizerSpec', id: 3 },
          },
          nested: {
            SentencePiece: {
              fields: {
                piece: { type: 'string', id: 1 },
                score: { type: 'float', id: 2 },
                type: { type: 'int32', id: 3, options: { default: 1 } },
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);

/** sentencepiece.ModelProto (the message a `spiece.model` file holds). */
export const ModelProto = root.lookupType('sentencepiece.ModelProto');

/** The decoded shape of the fields above (proto2 defaults applied by toObject). */
export interface ModelProtoObject {
  pieces?: { piece: string; score: number; type: number }[];
  trainerSpec?: {
    modelType: number;
    byteFallback: boolean;
    unkId: number;
    eosId: number;
    padId: number;
  };
  normalizerSpec?: {
    name: string;
    precompiledCharsmap: Uint8Array;
    addDummyPrefix: boolean;
    removeExtraWhitespaces: boolean;
    escapeWhitespaces: boolean;
  };
}
