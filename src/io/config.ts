/**
 * Codecs for the configs of training with dropout: optimizers, schedules,
 * the training run itself, and the PRNG key. The TypeScript types are
 * derived from the codecs (`t.TypeOf`), so the optimizer and training
 * modules are written against exactly what a config file can contain.
 *
 * All records are strict: an unknown key (a typo such as `maxnorm`) is an
 * error naming the key, not a silently ignored setting.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import { DecayFactor, Keep, NonNegativeInt, NonNegativeNumber, PositiveInt, PositiveNumber, Seed, Uint32 } from './brands.js'
import { type TaggedType, pair, struct, tagged } from './combinators.js'
import { type DecodeError, decodeWith } from './errors.js'

/**
 * The optional field every optimizer config has: `clipByGlobalNorm` c > 0
 * puts `optim.clipByGlobalNorm(c)` in front of the optimizer, as
 * `optax.chain(optax.clip_by_global_norm(c), optimizer)`; absent, no clipping.
 */
const clipping = { clipByGlobalNorm: PositiveNumber }

/**
 * Plain stochastic gradient descent: w ← w − ε·g; `clipByGlobalNorm` c
 * (optional) first scales the gradients to a global norm of at most c.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.SgdConfig.is({ type: 'sgd', learningRate: 0.1 }))
 * console.assert(io.SgdConfig.is({ type: 'sgd', learningRate: 0.1, clipByGlobalNorm: 1 }))
 * @since 0.1.0
 */
export const SgdConfig = struct('an sgd config', { type: t.literal('sgd'), learningRate: PositiveNumber }, clipping)
/** Plain stochastic gradient descent. @since 0.1.0 */
export type SgdConfig = t.TypeOf<typeof SgdConfig>

/**
 * Classical or Nesterov momentum, in the form of the paper's recipe:
 * Δ ← m·Δ + g, w ← w − ε·Δ (ε and m may follow schedules); `nesterov`
 * defaults to false, as in `optim.momentum`; `clipByGlobalNorm` as in
 * {@link SgdConfig}.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.MomentumConfig.is({ type: 'momentum', learningRate: 0.1, momentum: 0.95 }))
 * console.assert(io.MomentumConfig.is({ type: 'momentum', learningRate: 0.1, momentum: 0.95, nesterov: true }))
 * @since 0.1.0
 */
export const MomentumConfig = struct(
  'a momentum config',
  { type: t.literal('momentum'), learningRate: PositiveNumber, momentum: DecayFactor },
  { nesterov: t.boolean, ...clipping },
)
/** Classical or Nesterov momentum. @since 0.1.0 */
export type MomentumConfig = t.TypeOf<typeof MomentumConfig>

/**
 * Adam (Kingma & Ba) with step size ε, decay rates β₁, β₂ in [0, 1),
 * eps ≥ 0 and epsRoot ≥ 0; absent ones take `optim.adam`'s defaults
 * (0.9, 0.999, 1e-8, 0); `clipByGlobalNorm` as in {@link SgdConfig}.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.AdamConfig.is({ type: 'adam', learningRate: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 }))
 * console.assert(io.AdamConfig.is({ type: 'adam', learningRate: 1e-3 }))
 * @since 0.1.0
 */
export const AdamConfig = struct(
  'an adam config',
  { type: t.literal('adam'), learningRate: PositiveNumber },
  { b1: DecayFactor, b2: DecayFactor, eps: NonNegativeNumber, epsRoot: NonNegativeNumber, ...clipping },
)
/** Adam. @since 0.1.0 */
export type AdamConfig = t.TypeOf<typeof AdamConfig>

/**
 * RMSprop, as `optim.rmsprop` (optax's `rmsprop`): the learning rate and,
 * optional with optax's defaults, `decay` (0.9), `eps` (1e-8),
 * `initialScale` (0), `epsInSqrt` (true), `centered` (false), `momentum`
 * (absent: none), `nesterov` (false) and `biasCorrection` (false);
 * `clipByGlobalNorm` as in {@link SgdConfig}.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.RmspropConfig.is({ type: 'rmsprop', learningRate: 1e-3 }))
 * console.assert(io.RmspropConfig.is({ type: 'rmsprop', learningRate: 1e-3, decay: 0.95, centered: true, momentum: 0.9 }))
 * console.assert(!io.RmspropConfig.is({ type: 'rmsprop', learningRate: 1e-3, momentum: 1 }))
 * @since 0.2.0
 */
export const RmspropConfig = struct(
  'an rmsprop config',
  { type: t.literal('rmsprop'), learningRate: PositiveNumber },
  {
    decay: DecayFactor,
    eps: NonNegativeNumber,
    initialScale: NonNegativeNumber,
    epsInSqrt: t.boolean,
    centered: t.boolean,
    momentum: DecayFactor,
    nesterov: t.boolean,
    biasCorrection: t.boolean,
    ...clipping,
  },
)
/** RMSprop. @since 0.2.0 */
export type RmspropConfig = t.TypeOf<typeof RmspropConfig>

/**
 * Adagrad, as `optim.adagrad` (optax's `adagrad`): the learning rate and,
 * optional with optax's defaults, `initialAccumulatorValue` (0.1) and `eps`
 * (1e-7); `clipByGlobalNorm` as in {@link SgdConfig}.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.AdagradConfig.is({ type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 0 }))
 * @since 0.2.0
 */
export const AdagradConfig = struct(
  'an adagrad config',
  { type: t.literal('adagrad'), learningRate: PositiveNumber },
  { initialAccumulatorValue: NonNegativeNumber, eps: NonNegativeNumber, ...clipping },
)
/** Adagrad. @since 0.2.0 */
export type AdagradConfig = t.TypeOf<typeof AdagradConfig>

/**
 * AdamW, as `optim.adamw` (optax's `adamw`): Adam's fields with its
 * defaults and the decoupled `weightDecay` λ (default 1e-4, optax's);
 * `clipByGlobalNorm` as in {@link SgdConfig}. λ must be ≥ 0 here
 * (`optim.adamw` accepts any finite number). There is no `mask`: the mask
 * of `optim.adamw` is a tree of the parameters' structure or a function of
 * the parameters, which a config cannot name before the network exists;
 * the decoded optimizer decays every parameter (optax's default). Build
 * `optim.adamw` directly for a mask.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.AdamWConfig.is({ type: 'adamw', learningRate: 1e-3, weightDecay: 0.01 }))
 * console.assert(!io.AdamWConfig.is({ type: 'adamw', learningRate: 1e-3, mask: { b: false } }))
 * @since 0.2.0
 */
export const AdamWConfig = struct(
  'an adamw config',
  { type: t.literal('adamw'), learningRate: PositiveNumber },
  { b1: DecayFactor, b2: DecayFactor, eps: NonNegativeNumber, epsRoot: NonNegativeNumber, weightDecay: NonNegativeNumber, ...clipping },
)
/** AdamW. @since 0.2.0 */
export type AdamWConfig = t.TypeOf<typeof AdamWConfig>

/**
 * One of the optimizers, told apart by `type`; errors come from the branch the tag names.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeOptimizerConfig({ type: 'adam', learningRate: 1e-3, b1: 0.9, b2: 1, eps: 1e-8 })
 * console.assert(r._tag === 'Left' && r.left.message === 'b2: expected a factor in [0, 1), got 1')
 * @since 0.1.0
 */
export const OptimizerConfig = tagged(
  'type',
  { sgd: SgdConfig, momentum: MomentumConfig, adam: AdamConfig, rmsprop: RmspropConfig, adagrad: AdagradConfig, adamw: AdamWConfig },
  'an optimizer config (sgd, momentum, adam, rmsprop, adagrad or adamw)',
)
/** One of the optimizers. @since 0.1.0 */
export type OptimizerConfig = t.TypeOf<typeof OptimizerConfig>

/**
 * A constant value at every step: vₜ = value.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.ConstantSchedule.is({ type: 'constant', value: 0.1 }))
 * @since 0.1.0
 */
export const ConstantSchedule = struct('a constant schedule', { type: t.literal('constant'), value: NonNegativeNumber })
/** A constant schedule. @since 0.1.0 */
export type ConstantSchedule = t.TypeOf<typeof ConstantSchedule>

/**
 * Exponential decay, as optax's `exponential_decay`: vₜ = initial · decayRate^(t / transitionSteps).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.ExponentialDecaySchedule.is({ type: 'exponentialDecay', initial: 10, decayRate: 0.998, transitionSteps: 1 }))
 * @since 0.1.0
 */
export const ExponentialDecaySchedule = struct('an exponential decay schedule', {
  type: t.literal('exponentialDecay'),
  initial: NonNegativeNumber,
  decayRate: PositiveNumber,
  transitionSteps: PositiveNumber,
})
/** Exponential decay. @since 0.1.0 */
export type ExponentialDecaySchedule = t.TypeOf<typeof ExponentialDecaySchedule>

/**
 * Inverse-time decay: εₜ = ε₀ / (1 + t/T), with ε₀ = `initial` and T = `timescale`.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.InverseTimeSchedule.is({ type: 'inverseTime', initial: 0.1, timescale: 1000 }))
 * @since 0.1.0
 */
export const InverseTimeSchedule = struct('an inverse-time schedule', {
  type: t.literal('inverseTime'),
  initial: NonNegativeNumber,
  timescale: PositiveNumber,
})
/** Inverse-time decay. @since 0.1.0 */
export type InverseTimeSchedule = t.TypeOf<typeof InverseTimeSchedule>

/**
 * The momentum ramp used with dropout: mₜ = m_max − (m_max − m₀)·e^(−t/T),
 * with m₀ = `initial`, m_max = `final` and T = `timescale`.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.MomentumRampSchedule.is({ type: 'momentumRamp', initial: 0.5, final: 0.99, timescale: 500 }))
 * @since 0.1.0
 */
export const MomentumRampSchedule = struct('a momentum ramp schedule', {
  type: t.literal('momentumRamp'),
  initial: DecayFactor,
  final: DecayFactor,
  timescale: PositiveNumber,
})
/** The momentum ramp. @since 0.1.0 */
export type MomentumRampSchedule = t.TypeOf<typeof MomentumRampSchedule>

/**
 * A linear ramp, as optax's `linear_schedule`: `initValue` until step
 * `transitionBegin` (default 0), then linearly to `endValue` over
 * `transitionSteps` steps (0: constant `initValue`).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.LinearSchedule.is({ type: 'linear', initValue: 0, endValue: 0.1, transitionSteps: 1000 }))
 * @since 0.2.0
 */
export const LinearSchedule = struct(
  'a linear schedule',
  { type: t.literal('linear'), initValue: NonNegativeNumber, endValue: NonNegativeNumber, transitionSteps: NonNegativeInt },
  { transitionBegin: NonNegativeInt },
)
/** A linear schedule. @since 0.2.0 */
export type LinearSchedule = t.TypeOf<typeof LinearSchedule>

/**
 * Cosine decay, as optax's `cosine_decay_schedule`: from `initValue` to
 * `alpha`·`initValue` (default α 0) over `decaySteps`, with an optional
 * `exponent` (default 1).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.CosineDecaySchedule.is({ type: 'cosineDecay', initValue: 0.1, decaySteps: 1000, alpha: 0.01 }))
 * @since 0.2.0
 */
export const CosineDecaySchedule = struct(
  'a cosine decay schedule',
  { type: t.literal('cosineDecay'), initValue: NonNegativeNumber, decaySteps: PositiveNumber },
  { alpha: NonNegativeNumber, exponent: PositiveNumber },
)
/** A cosine decay schedule. @since 0.2.0 */
export type CosineDecaySchedule = t.TypeOf<typeof CosineDecaySchedule>

/**
 * Linear warm-up then cosine decay, as optax's `warmup_cosine_decay_schedule`:
 * `initValue` → `peakValue` over `warmupSteps`, then down to `endValue`
 * (default 0) by step `decaySteps` (which counts the warm-up; it must be
 * greater than `warmupSteps`, checked when the schedule is made).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.WarmupCosineDecaySchedule.is({ type: 'warmupCosineDecay', initValue: 0, peakValue: 0.1, warmupSteps: 100, decaySteps: 1000 }))
 * @since 0.2.0
 */
export const WarmupCosineDecaySchedule = struct(
  'a warm-up cosine decay schedule',
  { type: t.literal('warmupCosineDecay'), initValue: NonNegativeNumber, peakValue: NonNegativeNumber, warmupSteps: NonNegativeInt, decaySteps: PositiveNumber },
  { endValue: NonNegativeNumber, exponent: PositiveNumber },
)
/** A warm-up cosine decay schedule. @since 0.2.0 */
export type WarmupCosineDecaySchedule = t.TypeOf<typeof WarmupCosineDecaySchedule>

const isBoundaries = (u: unknown): u is Readonly<Record<string, NonNegativeNumber>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u) &&
  Object.entries(u).every(([k, v]) => k.trim() !== '' && Number.isSafeInteger(Number(k)) && Number(k) >= 0 && NonNegativeNumber.is(v))
const BoundariesAndScales = new t.Type<Readonly<Record<string, NonNegativeNumber>>, Readonly<Record<string, number>>, unknown>(
  'a record { boundary: scale } of non-negative integer steps and non-negative finite scales',
  isBoundaries,
  (u, c) => (isBoundaries(u) ? t.success(u) : t.failure(u, c)),
  (a) => a,
)

/**
 * A piecewise-constant schedule, as optax's `piecewise_constant_schedule`:
 * `initValue` times every scale whose boundary step has been reached.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.PiecewiseConstantSchedule.is({ type: 'piecewiseConstant', initValue: 0.1, boundariesAndScales: { 30000: 0.1, 60000: 0.1 } }))
 * console.assert(!io.PiecewiseConstantSchedule.is({ type: 'piecewiseConstant', initValue: 0.1, boundariesAndScales: { soon: 0.1 } }))
 * @since 0.2.0
 */
export const PiecewiseConstantSchedule = struct('a piecewise-constant schedule', {
  type: t.literal('piecewiseConstant'),
  initValue: NonNegativeNumber,
  boundariesAndScales: BoundariesAndScales,
})
/** A piecewise-constant schedule. @since 0.2.0 */
export type PiecewiseConstantSchedule = t.TypeOf<typeof PiecewiseConstantSchedule>

/**
 * Schedules one after another, as optax's `join_schedules` (`optim.join`):
 * `schedules[i + 1]` takes over at step `boundaries[i]` and sees the steps
 * since then. The schedules are schedule configs (joins too); the
 * boundaries are non-negative integer steps, one fewer than the schedules,
 * in non-decreasing order — the checks `optim.join` makes, reported here as
 * decode errors at `boundaries`.
 *
 * @example
 * import { io } from 'grad-ts'
 * const warmup = { type: 'linear', initValue: 0, endValue: 0.1, transitionSteps: 100 }
 * console.assert(io.JoinSchedule.is({ type: 'join', schedules: [warmup, { type: 'constant', value: 0.1 }], boundaries: [100] }))
 * const r = io.decodeScheduleConfig({ type: 'join', schedules: [warmup], boundaries: [100] })
 * console.assert(r._tag === 'Left' && r.left.message === 'boundaries: expected 0 boundaries (one fewer than the 1 schedule), got 1')
 * @since 0.2.0
 */
export interface JoinSchedule {
  readonly type: 'join'
  readonly schedules: readonly ScheduleConfig[]
  readonly boundaries: readonly NonNegativeInt[]
}
/** The JSON of a {@link JoinSchedule}. @since 0.2.0 */
export interface JoinScheduleOutput {
  readonly type: 'join'
  readonly schedules: readonly ScheduleConfigOutput[]
  readonly boundaries: readonly number[]
}

const Schedules: t.Type<readonly ScheduleConfig[], readonly ScheduleConfigOutput[]> = t.recursion('a non-empty array of schedule configs', () =>
  nonEmpty(t.readonlyArray(ScheduleConfig, 'an array of schedule configs'), 'a non-empty array of schedule configs'),
)

const nonEmpty = <A, O>(codec: t.Type<readonly A[], readonly O[]>, name: string): t.Type<readonly A[], readonly O[]> =>
  new t.Type<readonly A[], readonly O[], unknown>(
    name,
    (u): u is readonly A[] => codec.is(u) && u.length > 0,
    (u, c) => {
      const r = codec.validate(u, c)
      if (r._tag === 'Left') return r
      return r.right.length > 0 ? t.success(Object.freeze(r.right)) : t.failure(u, c, `expected ${name}, got an empty array`)
    },
    (a) => codec.encode(a),
  )

const JoinFields = struct('a join schedule', { type: t.literal('join'), schedules: Schedules, boundaries: t.readonlyArray(NonNegativeInt, 'an array of non-negative integer steps') })

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** What `optim.join` would refuse in decoded fields, as a failure at `boundaries`; undefined if nothing. */
const joinProblem = (j: JoinSchedule): { readonly at: string; readonly message: string } | undefined => {
  const want = j.schedules.length - 1
  if (j.boundaries.length !== want) {
    return { at: '', message: `expected ${plural(want, 'boundary', 'boundaries')} (one fewer than the ${plural(j.schedules.length, 'schedule', 'schedules')}), got ${j.boundaries.length}` }
  }
  const at = j.boundaries.findIndex((b, i) => i > 0 && b < j.boundaries[i - 1]!)
  return at < 0 ? undefined : { at: String(at), message: `expected non-decreasing boundaries, got ${j.boundaries[at - 1]!} then ${j.boundaries[at]!}` }
}

/**
 * The codec of {@link JoinSchedule}: a strict record, then `optim.join`'s
 * checks on the boundaries.
 *
 * @example
 * import { io } from 'grad-ts'
 * const c = { type: 'constant', value: 1 }
 * console.assert(io.JoinSchedule.is({ type: 'join', schedules: [c, c], boundaries: [10] }))
 * console.assert(!io.JoinSchedule.is({ type: 'join', schedules: [c, c, c], boundaries: [10, 5] }))
 * @since 0.2.0
 */
export const JoinSchedule: t.Type<JoinSchedule, JoinScheduleOutput> = new t.Type<JoinSchedule, JoinScheduleOutput, unknown>(
  'a join schedule',
  (u): u is JoinSchedule => JoinFields.is(u) && joinProblem(u) === undefined,
  (u, c) => {
    const r = JoinFields.validate(u, c)
    if (r._tag === 'Left') return r
    const problem = joinProblem(r.right)
    if (problem === undefined) return t.success(r.right)
    const bs = r.right.boundaries
    const inBoundaries = t.appendContext(c, 'boundaries', JoinFields.required.boundaries, bs)
    const ctx = problem.at === '' ? inBoundaries : t.appendContext(inBoundaries, problem.at, NonNegativeInt, bs[Number(problem.at)])
    return t.failure(problem.at === '' ? bs : bs[Number(problem.at)], ctx, problem.message)
  },
  (a) => JoinFields.encode(a),
)

const scheduleMembers = {
  constant: ConstantSchedule,
  exponentialDecay: ExponentialDecaySchedule,
  inverseTime: InverseTimeSchedule,
  momentumRamp: MomentumRampSchedule,
  linear: LinearSchedule,
  cosineDecay: CosineDecaySchedule,
  warmupCosineDecay: WarmupCosineDecaySchedule,
  piecewiseConstant: PiecewiseConstantSchedule,
  join: JoinSchedule,
}

/** One of the schedules. @since 0.1.0 */
export type ScheduleConfig =
  | ConstantSchedule
  | ExponentialDecaySchedule
  | InverseTimeSchedule
  | MomentumRampSchedule
  | LinearSchedule
  | CosineDecaySchedule
  | WarmupCosineDecaySchedule
  | PiecewiseConstantSchedule
  | JoinSchedule
/** The JSON of a {@link ScheduleConfig}. @since 0.2.0 */
export type ScheduleConfigOutput =
  | t.OutputOf<typeof ConstantSchedule>
  | t.OutputOf<typeof ExponentialDecaySchedule>
  | t.OutputOf<typeof InverseTimeSchedule>
  | t.OutputOf<typeof MomentumRampSchedule>
  | t.OutputOf<typeof LinearSchedule>
  | t.OutputOf<typeof CosineDecaySchedule>
  | t.OutputOf<typeof WarmupCosineDecaySchedule>
  | t.OutputOf<typeof PiecewiseConstantSchedule>
  | JoinScheduleOutput

/**
 * One of the schedules, told apart by `type`.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeScheduleConfig({ type: 'inverseTime', initial: 0.1, timescale: 0 })._tag === 'Left')
 * @since 0.1.0
 */
export const ScheduleConfig: TaggedType<'type', typeof scheduleMembers> = tagged(
  'type',
  scheduleMembers,
  'a schedule config (constant, exponentialDecay, inverseTime, momentumRamp, linear, cosineDecay, warmupCosineDecay, piecewiseConstant or join)',
)

/**
 * A hidden-unit nonlinearity, as `nn.Activation` names them: `"relu"`,
 * `"sigmoid"`, `"tanh"`, `"gelu"`, `"silu"`, `"elu"`, `"leakyRelu"` or
 * `"softplus"` (jax.nn's relu, sigmoid, tanh, gelu, silu, elu, leaky_relu
 * and softplus).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.Activation.is('relu') && io.Activation.is('leakyRelu') && !io.Activation.is('leaky_relu'))
 * @since 0.1.0
 */
export const Activation = t.keyof(
  { relu: null, sigmoid: null, tanh: null, gelu: null, silu: null, elu: null, leakyRelu: null, softplus: null },
  'an activation ("relu", "sigmoid", "tanh", "gelu", "silu", "elu", "leakyRelu" or "softplus")',
)
/** A hidden-unit nonlinearity. @since 0.1.0 */
export type Activation = t.TypeOf<typeof Activation>

const PositiveInts = t.array(PositiveInt, 'an array of positive integers')

/**
 * Layer sizes from input to output, e.g. `[784, 1024, 1024, 10]`: at least two positive integers.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.LayerSizes.is([784, 10]) && !io.LayerSizes.is([784]))
 * @since 0.1.0
 */
export const LayerSizes = new t.Type<readonly PositiveInt[], readonly number[], unknown>(
  'layer sizes (at least two positive integers: input, …, output)',
  (u): u is readonly PositiveInt[] => PositiveInts.is(u) && u.length >= 2,
  (u, c) => {
    const r = PositiveInts.validate(u, c)
    if (r._tag === 'Left') return r
    return r.right.length >= 2 ? t.success(Object.freeze(r.right)) : t.failure(u, c, `expected at least 2 layer sizes (input and output), got ${r.right.length}`)
  },
  (a) => a.slice(),
)
/** Layer sizes from input to output. @since 0.1.0 */
export type LayerSizes = t.TypeOf<typeof LayerSizes>

/**
 * Retention probabilities p (the paper's convention): `input` for input
 * units, `hidden` for hidden units. 1 turns dropout off for that layer kind.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.KeepConfig.is({ input: 0.8, hidden: 0.5 }) && !io.KeepConfig.is({ input: 0, hidden: 0.5 }))
 * @since 0.1.0
 */
export const KeepConfig = struct('keep probabilities { input, hidden }', { input: Keep, hidden: Keep })
/** Retention probabilities for input and hidden units. @since 0.1.0 */
export type KeepConfig = t.TypeOf<typeof KeepConfig>

/**
 * Schedules that, when present, drive the learning rate and the momentum
 * coefficient instead of the constants of the optimizer config.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.SchedulesConfig.is({ momentum: { type: 'momentumRamp', initial: 0.5, final: 0.99, timescale: 500 } }))
 * @since 0.1.0
 */
export const SchedulesConfig = struct('schedules { learningRate?, momentum? }', {}, { learningRate: ScheduleConfig, momentum: ScheduleConfig })
/** Learning-rate and momentum schedules. @since 0.1.0 */
export type SchedulesConfig = t.TypeOf<typeof SchedulesConfig>

/**
 * A training run: network, dropout, constraint, optimizer, schedules and data loop.
 * `maxNorm` is the radius c of the max-norm ball (absent: no constraint);
 * `weightDecay` is the L2 coefficient λ (absent: none); `seed` makes the
 * run's PRNG key with `random.key(seed)`.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeTrainingConfig({
 *   layers: [784, 1024, 1024, 10], activation: 'relu', keep: { input: 0.8, hidden: 0.5 }, maxNorm: 3,
 *   optimizer: { type: 'momentum', learningRate: 10, momentum: 0.5, nesterov: false },
 *   schedules: { learningRate: { type: 'exponentialDecay', initial: 10, decayRate: 0.998, transitionSteps: 1 } },
 *   batchSize: 100, epochs: 10, seed: 0,
 * })
 * console.assert(r._tag === 'Right' && r.right.maxNorm === 3)
 * @since 0.1.0
 */
export const TrainingConfig = struct(
  'a training config',
  {
    layers: LayerSizes,
    activation: Activation,
    keep: KeepConfig,
    optimizer: OptimizerConfig,
    batchSize: PositiveInt,
    epochs: PositiveInt,
    seed: Seed,
  },
  { maxNorm: PositiveNumber, weightDecay: NonNegativeNumber, schedules: SchedulesConfig },
)
/** A training run. @since 0.1.0 */
export type TrainingConfig = t.TypeOf<typeof TrainingConfig>

/**
 * The two 32-bit words of a PRNG key (threefry2x32), as JSON `[hi, lo]`.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.KeyWords.is([0, 42]) && !io.KeyWords.is([0, 42, 1]) && !io.KeyWords.is([-1, 0]))
 * @since 0.1.0
 */
export const KeyWords = pair(Uint32, 'a PRNG key (two unsigned 32-bit words)')
/** The two 32-bit words of a PRNG key. @since 0.1.0 */
export type KeyWords = t.TypeOf<typeof KeyWords>

/**
 * Decodes an optimizer config from outside data.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeOptimizerConfig({ type: 'sgd', learningRate: 0.1 })._tag === 'Right')
 * @since 0.1.0
 */
export const decodeOptimizerConfig: (u: unknown) => Either<DecodeError, OptimizerConfig> = decodeWith(OptimizerConfig)

/**
 * Decodes a schedule config from outside data.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeScheduleConfig({ type: 'constant', value: 0.1 })._tag === 'Right')
 * @since 0.1.0
 */
export const decodeScheduleConfig: (u: unknown) => Either<DecodeError, ScheduleConfig> = decodeWith(ScheduleConfig)

/**
 * Decodes a training config from outside data, naming every bad key.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeTrainingConfig({ layers: [2, 0] })
 * console.assert(r._tag === 'Left' && r.left.issues[0]?.path === 'layers[1]')
 * @since 0.1.0
 */
export const decodeTrainingConfig: (u: unknown) => Either<DecodeError, TrainingConfig> = decodeWith(TrainingConfig)

/**
 * Decodes the words of a PRNG key from outside data.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeKeyWords([0, 42])._tag === 'Right' && io.decodeKeyWords([0, 2 ** 32])._tag === 'Left')
 * @since 0.1.0
 */
export const decodeKeyWords: (u: unknown) => Either<DecodeError, KeyWords> = decodeWith(KeyWords)

/**
 * Decodes the keep probabilities of a dropout network from outside data.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeKeepConfig({ input: 0.8, hidden: 1.5 })
 * console.assert(r._tag === 'Left' && r.left.message === 'hidden: expected a keep probability in (0, 1], got 1.5')
 * @since 0.1.0
 */
export const decodeKeepConfig: (u: unknown) => Either<DecodeError, KeepConfig> = decodeWith(KeepConfig)

/**
 * Decodes an activation name from outside data.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeActivation('tanh')._tag === 'Right')
 * @since 0.1.0
 */
export const decodeActivation: (u: unknown) => Either<DecodeError, Activation> = decodeWith(Activation)
