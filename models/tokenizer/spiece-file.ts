import { compileCharsmap } from './charsmap-write.ts';
import { TokenizerError } from './errors.ts';
import { defaultNormalizer, type Piece, PieceType, T5_SPECIAL, type UnigramModel } from './model.ts';
import { ModelProto, type ModelProtoObject } from './spiece-proto.ts';

const UNIGRAM = 1;

/** Reads a SentencePiece `spiece.model` (ModelProto) holding a unigram model; `where` names it in errors. */
export function readSpieceModel(bytes: Uint8Array, where = 'spiece.model'): UnigramModel {
  let proto: ModelProtoObject;
  try {
    proto = ModelProto.toObject(ModelProto.decode(bytes), { defaults: true }) as ModelProtoObject;
  } catch (e) {
    throw new TokenizerError('bad-model', where, `${where} is not a SentencePiece model: ${(e as Error).message}`);
  }
  const pieces: Piece[] = (proto.pieces ?? []).map((p) => ({
    piece: p.piece,
    score: p.score,
    type: p.type as Piece['type'],
  }));
  const trainer = proto.trainerSpec;
  if (!pieces.length || !trainer) throw new TokenizerError('bad-model', where, `${where} holds no vocabulary`);
  if (trainer.modelType !== UNIGRAM) {
    throw new TokenizerError('bad-model', where, `${where} is not a unigram model (model_type ${trainer.modelType})`);
  }
  checkId(pieces, trainer.unkId, 'unk_id', where);
  checkId(pieces, trainer.eosId, 'eos_id', where);
  if (trainer.padId >= 0) checkId(pieces, trainer.padId, 'pad_id', where);
  const n = proto.normalizerSpec;
  const normalizer = n
    ? { ...defaultNormalizer(n.name), ...n, precompiledCharsmap: new Uint8Array(n.precompiledCharsmap ?? []) }
    : defaultNormalizer();
  return {
    pieces,
    unkId: trainer.unkId,
    eosId: trainer.eosId,
    padId: trainer.padId,
    byteFallback: trainer.byteFallback,
    normalizer,
  };
}

function checkId(pieces: Piece[], id: number, field: string, where: string): void {
  if (!(id >= 0 && id < pieces.length)) {
    throw new TokenizerError(
      'missing-piece',
      `${where}:trainer_spec.${field}`,
      `${where}: ${field} ${id} is not a piece`,
    );
  }
}

export interface SpieceWriteOptions {
  /** Character-map rules (source → replacement) compiled into the model; none by default. */
  charsmapRules?: ReadonlyMap<string, string>;
  /** Normaliser name recorded in the file (informational; the rules are what is applied). */
  normalizerName?: string;
}

/**
 * Writes a unigram SentencePiece model with T5's special ids (pad 0, eos 1, unk 2: `pieces` must start
 * with those three) that readSpieceModel and sentencepiece itself load.
 */
export function writeSpieceModel(pieces: readonly Piece[], options: SpieceWriteOptions = {}): Uint8Array {
  const want = {
    [T5_SPECIAL.pad]: PieceType.control,
    [T5_SPECIAL.eos]: PieceType.control,
    [T5_SPECIAL.unk]: PieceType.unknown,
  };
  for (const [id, type] of Object.entries(want)) {
    if (pieces[Number(id)]?.type !== type) {
      throw new TokenizerError('missing-piece', `pieces[${id}]`, `piece ${id} must be T5's special of type ${type}`);
    }
  }
  const charsmap = options.charsmapRules?.size ? compileCharsmap(options.charsmapRules) : new Uint8Array(0);
  const message = ModelProto.create({
    pieces: pieces.map((p) => ({ piece: p.piece, score: p.score, type: p.type })),
    trainerSpec: {
      modelType: UNIGRAM,
      vocabSize: pieces.length,
      unkId: T5_SPECIAL.unk,
      eosId: T5_SPECIAL.eos,
      padId: T5_SPECIAL.pad,
      bosId: -1,
      unkPiece: pieces[T5_SPECIAL.unk].piece,
      eosPiece: pieces[T5_SPECIAL.eos].piece,
      padPiece: pieces[T5_SPECIAL.pad].piece,
    },
    normalizerSpec: {
      name: options.normalizerName ?? (charsmap.byteLength ? 'nmt_nfkc' : 'identity'),
      precompiledCharsmap: charsmap,
      addDummyPrefix: true,
      removeExtraWhitespaces: true,
      escapeWhitespaces: true,
    },
  });
  return ModelProto.encode(message).finish();
}
