/**
 * Training checkpoints: a parameter tree in safetensors, with the training
 * config, the PRNG key and the step in the file's string metadata (as JSON
 * under the keys `grad-ts/config`, `grad-ts/key` and `grad-ts/step`), so a
 * run can resume exactly and other tools still read the tensors.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts/lib/index.js'
import { TensorError } from '../core/errors.js'
import { type Key, wrapKeyData } from '../random/key.js'
import type { Tree } from '../tree/index.js'
import { type NonNegativeInt, NonNegativeInt as NonNegativeIntCodec } from './brands.js'
import { KeyWords, TrainingConfig } from './config.js'
import { type DecodeError, decodeWith, fail, hasOwn, setOwn, show, under } from './errors.js'
import { matchTree } from './match.js'
import { type DecodeOptions, decode, encode } from './safetensors.js'

const CONFIG = 'grad-ts/config'
const KEY = 'grad-ts/key'
const STEP = 'grad-ts/step'
const RESERVED = new Set([CONFIG, KEY, STEP])

/** What a checkpoint carries besides the parameters; every part is optional. @since 0.1.0 */
export interface CheckpointContents {
  /** The training config of the run. */
  readonly config?: TrainingConfig
  /** The PRNG key to resume from: a `random.Key` or its two 32-bit words (`random.keyData`). */
  readonly key?: readonly [number, number]
  /** The number of steps taken. */
  readonly step?: number
  /** Further string metadata of your own (keys starting `grad-ts/` are reserved). */
  readonly metadata?: Readonly<Record<string, string>>
}

/** A decoded checkpoint: the parameters, what was saved with them, and any other metadata. @since 0.1.0 */
export interface Checkpoint<T extends Tree> {
  readonly params: T
  readonly config?: TrainingConfig
  /** The saved PRNG key, ready to use. */
  readonly key?: Key
  readonly step?: NonNegativeInt
  /** The metadata other than the reserved `grad-ts/…` keys. */
  readonly metadata: Readonly<Record<string, string>>
}

/** Encodes with `codec` and checks the result decodes, so a checkpoint can always be read back. */
const checked = <A, O>(what: string, codec: t.Type<A, O>, a: A): string => {
  const json = codec.encode(a)
  const back = decodeWith(codec)(json)
  if (E.isLeft(back)) throw new TensorError('io.encodeCheckpoint', `the ${what} is not valid: ${back.left.message}`)
  return JSON.stringify(json)
}

/**
 * Saves parameters with their training config, key and step as safetensors
 * bytes (see `safetensors.encode` for the layout). An invalid config or key
 * is a `TensorError`: a checkpoint that cannot be read back is never written.
 *
 * @example
 * import { io, random, tensor, zeros } from 'grad-ts'
 * const bytes = io.encodeCheckpoint({ w: tensor([1, 2]) }, { key: random.key(42), step: 100 })
 * const r = io.decodeCheckpoint({ w: zeros([2]) }, bytes)
 * console.assert(r._tag === 'Right' && r.right.step === 100)
 * console.assert(r._tag === 'Right' && r.right.key !== undefined && random.keyEq.equals(r.right.key, random.key(42)))
 * @since 0.1.0
 */
export const encodeCheckpoint = (params: Tree, contents: CheckpointContents = {}): Uint8Array => {
  const metadata: Record<string, string> = {}
  for (const [k, v] of Object.entries(contents.metadata ?? {})) {
    if (RESERVED.has(k)) throw new TensorError('io.encodeCheckpoint', `metadata key "${k}" is reserved`)
    setOwn(metadata, k, v)
  }
  if (contents.config !== undefined) metadata[CONFIG] = checked('training config', TrainingConfig, contents.config)
  if (contents.key !== undefined) metadata[KEY] = checked('key', KeyWords, contents.key as KeyWords)
  if (contents.step !== undefined) {
    if (!NonNegativeIntCodec.is(contents.step)) throw new TensorError('io.encodeCheckpoint', `the step must be a non-negative integer, got ${contents.step}`)
    metadata[STEP] = String(contents.step)
  }
  return encode(params, metadata)
}

/** Parses one metadata entry as JSON and decodes it; errors are placed under `__metadata__.<key>`. */
const entry = <A>(metadata: Readonly<Record<string, string>>, key: string, decoder: (u: unknown) => E.Either<DecodeError, A>): E.Either<DecodeError, A | undefined> => {
  if (!hasOwn(metadata, key)) return E.right(undefined)
  const at = `__metadata__.${key}`
  let json: unknown
  try {
    json = JSON.parse(metadata[key]!)
  } catch {
    return E.left(fail(at, `not valid JSON: ${show(metadata[key])}`))
  }
  const r = decoder(json)
  return E.isLeft(r) ? E.left(under(at, r.left)) : r
}

/**
 * Restores a checkpoint: the parameters checked against `like` (see
 * `safetensors.decodeTree`), and the config, key and step decoded with their
 * codecs. Any problem anywhere is a `DecodeError` and nothing is returned.
 *
 * @example
 * import { io, tensor, zeros } from 'grad-ts'
 * const config = {
 *   layers: [2, 2], activation: 'relu', keep: { input: 0.8, hidden: 0.5 },
 *   optimizer: { type: 'sgd', learningRate: 0.1 }, batchSize: 1, epochs: 1, seed: 0,
 * } as const
 * const cfg = io.decodeTrainingConfig(config)
 * if (cfg._tag === 'Right') {
 *   const bytes = io.encodeCheckpoint({ w: tensor([1, 2]) }, { config: cfg.right })
 *   const r = io.decodeCheckpoint({ w: zeros([2]) }, bytes)
 *   console.assert(r._tag === 'Right' && r.right.config?.keep.hidden === 0.5)
 * }
 * @since 0.1.0
 */
export const decodeCheckpoint = <T extends Tree>(like: T, bytes: Uint8Array, options: DecodeOptions = {}): E.Either<DecodeError, Checkpoint<T>> => {
  const file = decode(bytes, options)
  if (E.isLeft(file)) return file
  const all = file.right.metadata
  const config = entry(all, CONFIG, decodeWith(TrainingConfig))
  if (E.isLeft(config)) return config
  const key = entry(all, KEY, decodeWith(KeyWords))
  if (E.isLeft(key)) return key
  const step = entry(all, STEP, decodeWith(NonNegativeIntCodec))
  if (E.isLeft(step)) return step
  const params = matchTree(like, file.right.tensors)
  if (E.isLeft(params)) return params
  const metadata = {}
  for (const k of Object.keys(all)) if (!RESERVED.has(k)) setOwn(metadata, k, all[k])
  return E.right({
    params: params.right,
    metadata,
    ...(config.right === undefined ? {} : { config: config.right }),
    ...(key.right === undefined ? {} : { key: wrapKeyData(key.right) }),
    ...(step.right === undefined ? {} : { step: step.right }),
  })
}
