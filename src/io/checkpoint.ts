/**
 * Training checkpoints: a parameter tree in safetensors, with the optimizer
 * state, the training config, the PRNG key and the step, so a run resumes
 * exactly and other tools still read the parameters. Parameters keep their
 * own names (`layers.0.w`); everything else lives under the reserved
 * `grad-ts/` prefix: the config, key and step as JSON metadata
 * (`grad-ts/config`, `grad-ts/key`, `grad-ts/step`), the optimizer state as
 * tensors named `grad-ts/optState.<path>` plus its tags and step counts as
 * JSON under `grad-ts/optState`, and a CRC-32C of it all under
 * `grad-ts/crc32c`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts/lib/index.js'
import { TensorError } from '../core/errors.js'
import type { Tensor } from '../core/tensor.js'
import { stateKind, tagState } from '../optim/transform.js'
import { type Key, isKey, keyData, wrapKeyData } from '../random/key.js'
import { type Leaf, type Tree, type TreeLike, flatten } from '../tree/index.js'
import { type NonNegativeInt, NonNegativeInt as NonNegativeIntCodec } from './brands.js'
import { KeyWords, TrainingConfig } from './config.js'
import { DecodeError, type Issue, decodeWith, fail, hasOwn, isPlainRecord, setOwn, show, under } from './errors.js'
import { matchTree } from './match.js'
import { CHECKSUM, type DecodeOptions, decode, encodeLeaves } from './safetensors.js'

const RESERVED = 'grad-ts/'
const CONFIG = 'grad-ts/config'
const KEY = 'grad-ts/key'
const STEP = 'grad-ts/step'
const OPT_STATE = 'grad-ts/optState'
/** The tensors of the optimizer state are named `grad-ts/optState.<path in the state>`. */
const STATE_TENSOR = `${OPT_STATE}.`
const KNOWN = [CONFIG, KEY, STEP, OPT_STATE, CHECKSUM]

/** What a checkpoint carries besides the parameters; every part is optional. @since 0.1.0 */
export interface CheckpointContents {
  /**
   * The optimizer state: what `init` or `update` of an `optim` transformation
   * returned (`sgd`, `momentum`, `adam`, `chain` of any built-in stages).
   */
  readonly optState?: unknown
  /** The training config of the run. */
  readonly config?: TrainingConfig
  /** The PRNG key to resume from: a `random.Key` or its two 32-bit words (`random.keyData`). */
  readonly key?: Key | readonly [number, number]
  /** The number of steps taken. */
  readonly step?: number
  /** Further string metadata of your own (keys starting `grad-ts/` are reserved). */
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * The options of `decodeCheckpoint`: those of `safetensors.decode`, and the
 * optimizer state to restore against.
 * @since 0.1.0
 */
export interface CheckpointDecodeOptions<S = undefined> extends DecodeOptions {
  /**
   * A state of the optimizer to restore, usually `tx.init(like)`: the saved
   * state must have been made by the same stages (in the same chain) over
   * parameters of the same structure, shapes and dtypes. Left out, the saved
   * optimizer state (if any) is not read.
   */
  readonly optState?: S
}

/** A decoded checkpoint: the parameters, what was saved with them, and any other metadata. @since 0.1.0 */
export interface Checkpoint<T extends TreeLike<T>, S = undefined> {
  readonly params: T
  /** The saved optimizer state, restored against `options.optState`; undefined when none was asked for. */
  readonly optState: S
  readonly config?: TrainingConfig
  /** The saved PRNG key, ready to use. */
  readonly key?: Key
  readonly step?: NonNegativeInt
  /** The metadata other than the reserved `grad-ts/…` keys. */
  readonly metadata: Readonly<Record<string, string>>
}

/** A state without its tensors: tuples of stages as arrays, each stage `{ kind, <count fields> }`. */
type Skeleton = readonly Skeleton[] | Readonly<Record<string, string | number>>
const isStages = (s: Skeleton): s is readonly Skeleton[] => Array.isArray(s)

interface StateParts {
  /** The tags and counts, stored as JSON. */
  readonly skeleton: Skeleton
  /** The tensor fields, as a tree of the same nesting (stored as tensors). */
  readonly tensors: Tree
}

const joinState = (path: string, k: string | number): string => (path === '' ? String(k) : `${path}.${String(k)}`)

/**
 * Splits an optimizer state into its skeleton (tags and step counts) and its
 * tensors; a value that is not a state of the built-in stages is a `TensorError`.
 */
const partsOf = (op: string, what: string, state: unknown, path = ''): StateParts => {
  const at = path === '' ? what : `${what} at ${path}`
  if (Array.isArray(state)) {
    const parts = (state as readonly unknown[]).map((s, i) => partsOf(op, what, s, joinState(path, i)))
    return { skeleton: parts.map((p) => p.skeleton), tensors: parts.map((p) => p.tensors) }
  }
  const kind = stateKind(state)
  if (kind === undefined) {
    throw new TensorError(op, `${at} is not an optimizer state made by optim (the init or update of sgd, momentum, adam, chain, …), got ${show(state)}`)
  }
  const record = state as Readonly<Record<string, unknown>>
  const skeleton: Record<string, string | number> = { kind }
  const tensors = {}
  for (const k of Object.keys(record)) {
    const v = record[k]
    if (typeof v === 'number') {
      if (!NonNegativeIntCodec.is(v)) throw new TensorError(op, `${at}: ${k} must be a step count (a non-negative integer), got ${v}`)
      setOwn(skeleton, k, v)
    } else {
      setOwn(tensors, k, v)
    }
  }
  return { skeleton, tensors }
}

/** The stored state `u` as a message fragment. */
const describeState = (u: unknown): string => {
  if (Array.isArray(u)) return `the state of a chain of ${u.length} ${u.length === 1 ? 'stage' : 'stages'}`
  if (isPlainRecord(u) && typeof u.kind === 'string') return `the state of ${u.kind}`
  return show(u)
}

/** Compares a stored skeleton with the expected one: chain lengths, stage tags, then every count. */
const checkSkeleton = (expected: Skeleton, got: unknown, path: string, issues: Issue[]): void => {
  const mismatch = { path, message: `expected ${describeState(expected)}, got ${describeState(got)}: the checkpoint was saved with a different optimizer` }
  if (isStages(expected)) {
    if (!Array.isArray(got) || got.length !== expected.length) issues.push(mismatch)
    else expected.forEach((e, i) => { checkSkeleton(e, (got as readonly unknown[])[i], joinState(path, i), issues) })
    return
  }
  if (!isPlainRecord(got) || got.kind !== expected.kind) {
    issues.push(mismatch)
    return
  }
  for (const k of Object.keys(expected)) {
    if (k === 'kind') continue
    const v = hasOwn(got, k) ? got[k] : undefined
    if (!NonNegativeIntCodec.is(v)) issues.push({ path: joinState(path, k), message: `expected a step count (a non-negative integer), got ${v === undefined ? 'nothing' : show(v)}` })
  }
  for (const k of Object.keys(got)) if (!hasOwn(expected, k)) issues.push({ path: joinState(path, k), message: `unknown field of ${String(expected.kind)}'s state` })
}

/** The state of the structure of `like`, with the stored counts and the matched tensors. */
const rebuildState = (like: unknown, stored: unknown, tensors: unknown): unknown => {
  if (Array.isArray(like)) {
    const s = stored as readonly unknown[]
    const ts = tensors as readonly unknown[]
    return Object.freeze((like as readonly unknown[]).map((l, i) => rebuildState(l, s[i], ts[i])))
  }
  const record = like as Readonly<Record<string, unknown>>
  const counts = stored as Readonly<Record<string, unknown>>
  const fields = tensors as Readonly<Record<string, unknown>>
  const out = {}
  for (const k of Object.keys(record)) setOwn(out, k, typeof record[k] === 'number' ? counts[k] : fields[k])
  return tagState(stateKind(like)!, out)
}

/** Encodes with `codec` and checks the result decodes, so a checkpoint can always be read back. */
const checked = <A, O>(what: string, codec: t.Type<A, O>, a: A): string => {
  const json = codec.encode(a)
  const back = decodeWith(codec)(json)
  if (E.isLeft(back)) throw new TensorError('io.encodeCheckpoint', `the ${what} is not valid: ${back.left.message}`)
  return JSON.stringify(json)
}

/**
 * Saves parameters with their optimizer state, training config, key and
 * step as safetensors bytes (see `safetensors.encode` for the layout), with
 * a CRC-32C of the contents in the metadata. An invalid config, key or
 * step, a state not made by `optim`, or a parameter named `grad-ts/…` is a
 * `TensorError`: a checkpoint that cannot be read back is never written.
 *
 * @example
 * import { io, optim, random, tensor, zeros } from 'grad-ts'
 * const tx = optim.adam({ learningRate: 0.1 })
 * const params = { w: tensor([1, 2]) }
 * const [, optState] = tx.update({ w: tensor([0.5, -1]) }, tx.init(params), params)
 * const bytes = io.encodeCheckpoint(params, { optState, key: random.key(42), step: 1 })
 * const like = { w: zeros([2]) }
 * const r = io.decodeCheckpoint(like, bytes, { optState: tx.init(like) })
 * console.assert(r._tag === 'Right' && r.right.step === 1 && r.right.optState[0].count === 1)
 * console.assert(r._tag === 'Right' && r.right.key !== undefined && random.keyEq.equals(r.right.key, random.key(42)))
 * @since 0.1.0
 */
export const encodeCheckpoint = <T extends TreeLike<T>>(params: T, contents: CheckpointContents = {}): Uint8Array => {
  const op = 'io.encodeCheckpoint'
  const metadata: Record<string, string> = {}
  for (const [k, v] of Object.entries(contents.metadata ?? {})) {
    if (k.startsWith(RESERVED)) throw new TensorError(op, `metadata key "${k}" is reserved (keys starting "${RESERVED}" are)`)
    setOwn(metadata, k, v)
  }
  if (contents.config !== undefined) metadata[CONFIG] = checked('training config', TrainingConfig, contents.config)
  if (contents.key !== undefined) metadata[KEY] = checked('key', KeyWords, (isKey(contents.key) ? keyData(contents.key) : contents.key) as KeyWords)
  if (contents.step !== undefined) {
    if (!NonNegativeIntCodec.is(contents.step)) throw new TensorError(op, `the step must be a non-negative integer, got ${contents.step}`)
    metadata[STEP] = String(contents.step)
  }
  const leaves: Leaf[] = flatten(params).slice()
  for (const { path } of leaves) {
    if (path.startsWith(RESERVED)) throw new TensorError(op, `the parameter "${path}" starts with "${RESERVED}", which is reserved for the optimizer state`)
  }
  if (contents.optState !== undefined) {
    const { skeleton, tensors } = partsOf(op, 'the optimizer state', contents.optState)
    metadata[OPT_STATE] = JSON.stringify(skeleton)
    for (const { path, value } of flatten(tensors)) leaves.push({ path: `${STATE_TENSOR}${path}`, value })
  }
  return encodeLeaves(op, leaves, metadata, true)
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

/** Restores the optimizer state against `like` (split into `skeleton` and the tensor matcher): tags and counts from the metadata, tensors by name. */
const restoreState = (
  like: unknown,
  skeleton: Skeleton,
  match: (tensors: Readonly<Record<string, Tensor>>) => E.Either<DecodeError, Tree>,
  metadata: Readonly<Record<string, string>>,
  tensors: Readonly<Record<string, Tensor>>,
): E.Either<DecodeError, unknown> => {
  if (!hasOwn(metadata, OPT_STATE)) return E.left(fail('optState', 'missing from the file: the checkpoint was saved without an optimizer state'))
  const stored = entry(metadata, OPT_STATE, E.right)
  if (E.isLeft(stored)) return stored
  const issues: Issue[] = []
  checkSkeleton(skeleton, stored.right, 'optState', issues)
  if (issues.length > 0) return E.left(new DecodeError(issues))
  const matched = match(tensors)
  if (E.isLeft(matched)) return E.left(under('optState', matched.left))
  return E.right(rebuildState(like, stored.right, matched.right))
}

/**
 * Restores a checkpoint: the parameters checked against `like` (see
 * `safetensors.decodeTree`); with `options.optState` (usually
 * `tx.init(like)`), the optimizer state, which must come from the same
 * stages: a state saved by another optimizer is refused, naming both. The
 * config, key and step are decoded with their codecs. The checksum is
 * checked, and a file with `grad-ts/` entries but no checksum is refused;
 * files of other tools (no `grad-ts/` entries) are read as parameters.
 * Any problem anywhere is a `DecodeError` and nothing is returned.
 *
 * @example
 * import { io, optim, tensor, zeros } from 'grad-ts'
 * const params = { w: tensor([1, 2]) }
 * const bytes = io.encodeCheckpoint(params, { optState: optim.momentum({ learningRate: 0.1, momentum: 0.9 }).init(params) })
 * const r = io.decodeCheckpoint({ w: zeros([2]) }, bytes, { optState: optim.adam({ learningRate: 0.1 }).init(params) })
 * console.assert(r._tag === 'Left' && r.left.message ===
 *   'optState.0: expected the state of optim.scaleByAdam, got the state of optim.trace: the checkpoint was saved with a different optimizer')
 * const p = io.decodeCheckpoint({ w: zeros([2]) }, bytes)   // the parameters alone
 * console.assert(p._tag === 'Right' && p.right.params.w.toTypedArray()[1] === 2)
 * @since 0.1.0
 */
export const decodeCheckpoint = <T extends TreeLike<T>, S = undefined>(like: T, bytes: Uint8Array, options: CheckpointDecodeOptions<S> = {}): E.Either<DecodeError, Checkpoint<T, S>> => {
  const op = 'io.decodeCheckpoint'
  // A malformed `like` or template is a programmer error: thrown before reading.
  const matchParams = matchTree(op, like)
  const template = options.optState === undefined ? undefined : partsOf(op, 'options.optState', options.optState)
  const matchState = template === undefined ? undefined : matchTree(op, template.tensors)
  const file = decode(bytes, options)
  if (E.isLeft(file)) return file
  const all = file.right.metadata
  const ours = Object.keys(all).filter((k) => k.startsWith(RESERVED))
  const unknown = ours.filter((k) => !KNOWN.includes(k))
  if (unknown.length > 0) {
    return E.left(new DecodeError(unknown.map((k) => ({ path: `__metadata__.${k}`, message: `not an entry grad-ts writes (${KNOWN.join(', ')}): the file is damaged, or was written by a newer version` }))))
  }
  if (ours.length > 0 && !hasOwn(all, CHECKSUM)) {
    return E.left(fail('__metadata__', `has ${ours.join(', ')} but no ${CHECKSUM}, which io.encodeCheckpoint always writes: the file is damaged, or was changed after it was written`))
  }
  const config = entry(all, CONFIG, decodeWith(TrainingConfig))
  if (E.isLeft(config)) return config
  const key = entry(all, KEY, decodeWith(KeyWords))
  if (E.isLeft(key)) return key
  const step = entry(all, STEP, decodeWith(NonNegativeIntCodec))
  if (E.isLeft(step)) return step

  const paramTensors = {}
  const stateTensors = {}
  const issues: Issue[] = []
  for (const [name, tensor] of Object.entries(file.right.tensors)) {
    if (name.startsWith(STATE_TENSOR)) setOwn(stateTensors, name.slice(STATE_TENSOR.length), tensor)
    else if (name.startsWith(RESERVED)) issues.push({ path: name, message: `not a tensor grad-ts writes (its tensors besides the parameters are named ${STATE_TENSOR}…)` })
    else setOwn(paramTensors, name, tensor)
  }
  const params = matchParams(paramTensors)
  if (E.isLeft(params)) issues.push(...params.left.issues)
  const optState = template === undefined || matchState === undefined ? E.right(undefined) : restoreState(options.optState, template.skeleton, matchState, all, stateTensors)
  if (E.isLeft(optState)) issues.push(...optState.left.issues)
  if (issues.length > 0 || E.isLeft(params) || E.isLeft(optState)) return E.left(new DecodeError(issues))
  const metadata = {}
  for (const k of Object.keys(all)) if (!k.startsWith(RESERVED)) setOwn(metadata, k, all[k])
  return E.right({
    params: params.right,
    optState: optState.right as S,
    metadata,
    ...(config.right === undefined ? {} : { config: config.right }),
    ...(key.right === undefined ? {} : { key: wrapKeyData(key.right) }),
    ...(step.right === undefined ? {} : { step: step.right }),
  })
}
