/**
 * The stages optimizers are made of (scale, trace, Adam's moments, weight
 * decay) and the optimizers composed from them: sgd, momentum (classical and
 * Nesterov) and adam. Every rate can be a number or a {@link Schedule}; the
 * step count lives in the state. Tensors keep their dtype: numbers act as
 * weak scalars, so float32 parameters get float32 updates and state.
 */
import { add, div, mul, sqrt } from '../ad/ops/elementwise.js'
import { square } from '../ad/ops/composite.js'
import { type Tree, fullLikeAs, map, zerosLike as treeZerosLike } from '../tree/index.js'
import { type MaskOption, checkMask, maskedLeaves } from './mask.js'
import { type Schedule, valueAt } from './schedule.js'
import { type EmptyState, type GradientTransformation, type StateKind, chain, tagState, zipLeaves } from './transform.js'

/**
 * The state of a stage that only counts its updates. Why: schedules need
 * the step count, and it belongs in the state, not in a global.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.sgd(0.1)
 * const g = { w: tensor([1]) }
 * const s: optim.CountState = tx.update(g, tx.init(g), g)[1]
 * console.assert(s.count === 1)
 * @since 0.1.0
 */
export interface CountState {
  /** Updates made so far; the next one evaluates schedules at this step. */
  readonly count: number
}

/**
 * The state of {@link trace}: the step count and the velocity Δ (a tree
 * like the parameters). Why: Δ is the momentum the next step continues.
 *
 * @example
 * import { optim, tensor, tree } from 'grad-ts'
 * const s: optim.TraceState = optim.trace({ decay: 0.9 }).init({ w: tensor([1, 2]) })
 * console.assert(s.count === 0 && tree.leaves(s.velocity)[0]!.toTypedArray().join() === '0,0')
 * @since 0.1.0
 */
export interface TraceState extends CountState {
  readonly velocity: Tree
}

/**
 * The state of {@link scaleByAdam}: the step count and the two moment
 * estimates. Why: Adam's bias correction needs t, its step the moments.
 *
 * @example
 * import { optim, tensor, tree } from 'grad-ts'
 * const s: optim.AdamState = optim.scaleByAdam().init({ w: tensor([1, 2]) })
 * console.assert(s.count === 0 && tree.count(s.mu, 'elements') === 2 && tree.count(s.nu) === 1)
 * @since 0.1.0
 */
export interface AdamState extends CountState {
  readonly mu: Tree
  readonly nu: Tree
}

const isFiniteNumber = (x: number): boolean => Number.isFinite(x)
/** A finite number ≥ 0. @internal */
export const isRate = (x: number): boolean => Number.isFinite(x) && x >= 0
/** A number in [0, 1). @internal */
export const isDecay = (x: number): boolean => Number.isFinite(x) && x >= 0 && x < 1
/** Checks a hyperparameter when the stage is made (a schedule is checked at each step instead). @internal */
export const checkNow = (op: string, name: string, v: number | Schedule, ok: (x: number) => boolean, expected: string): void => {
  if (typeof v === 'number') valueAt(op, name, v, 0, ok, expected)
}
/** A tree of zeros like the parameters, each leaf of its shape and dtype. @internal */
export const zerosLike = (params: Tree): Tree => treeZerosLike(params)
/** A tree like the parameters filled with `value`. @internal */
export const fullLike = (op: string, params: Tree, value: number): Tree => fullLikeAs(op, params, value)

const scaling = (kind: StateKind, factor: (t: number) => number, negate: boolean): GradientTransformation<CountState> => ({
  init: () => tagState(kind, { count: 0 }),
  update: (grads, state) => {
    const f = factor(state.count)
    // g·(−ε) is −(ε·g) bit for bit (a product's sign is the xor of its operands', its magnitude rounds
    // the same), signed zeros included, in one pass over each leaf instead of two.
    return [map((g) => mul(g, negate ? -f : f))(grads), tagState(kind, { count: state.count + 1 })]
  },
})

/**
 * Multiplies the gradients by a factor (a number or a schedule). Why: the
 * smallest stage; a learning rate is a negative scale.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const g = { w: tensor([1, 2]) }
 * const [u] = optim.scale(3).update(g, optim.scale(3).init(g), g)
 * console.assert(u.w.toTypedArray().join() === '3,6')
 * @since 0.1.0
 */
export const scale = (factor: number | Schedule): GradientTransformation<CountState> => {
  const op = 'optim.scale'
  checkNow(op, 'the factor', factor, isFiniteNumber, 'a finite number')
  return scaling('optim.scale', (t) => valueAt(op, 'the factor', factor, t, isFiniteNumber, 'a finite number'), false)
}

/** `scaleByLearningRate` with errors under the name of the optimizer the user called. @internal */
export const byLearningRate = (op: string, learningRate: number | Schedule): GradientTransformation<CountState> => {
  checkNow(op, 'learningRate', learningRate, isRate, 'a finite number ≥ 0')
  return scaling('optim.scaleByLearningRate', (t) => valueAt(op, 'learningRate', learningRate, t, isRate, 'a finite number ≥ 0'), true)
}

/**
 * Multiplies the gradients by −εₜ: descent with learning rate ε (a number
 * or a schedule). Why: the last stage of every optimizer here.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.scaleByLearningRate(optim.inverseTime(1, 1))
 * const g = { w: tensor([4]) }
 * const [u1, s1] = tx.update(g, tx.init(g), g)
 * const [u2] = tx.update(g, s1, g)
 * console.assert(u1.w.item() === -4 && u2.w.item() === -2)
 * @since 0.1.0
 */
export const scaleByLearningRate = (learningRate: number | Schedule): GradientTransformation<CountState> =>
  byLearningRate('optim.scaleByLearningRate', learningRate)

/**
 * The options of {@link trace}. Why: the momentum coefficient may follow a
 * schedule, as the paper's does.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.TraceOptions = { decay: optim.momentumRamp(0.5, 0.99, 1e5), nesterov: true }
 * console.assert(typeof optim.trace(o).update === 'function')
 * @since 0.1.0
 */
export interface TraceOptions {
  /** The momentum coefficient m in [0, 1), or a schedule of it. */
  readonly decay: number | Schedule
  /** Nesterov's variant: the updates are g + m·Δ instead of Δ (default false). */
  readonly nesterov?: boolean
}

/** `trace` with errors under the name of the optimizer the user called. @internal */
export const traceAs = (op: string, name: string, { decay, nesterov = false }: TraceOptions): GradientTransformation<TraceState> => {
  checkNow(op, name, decay, isDecay, 'in [0, 1)')
  return {
    init: (params) => tagState('optim.trace', { count: 0, velocity: zerosLike(params) }),
    update: (grads, state) => {
      const m = valueAt(op, name, decay, state.count, isDecay, 'in [0, 1)')
      const velocity = zipLeaves(op, ['gradients', 'velocity'], [grads, state.velocity], ([g, v]) => add(mul(v!, m), g!))
      const updates = nesterov ? zipLeaves(op, ['gradients', 'velocity'], [grads, velocity], ([g, v]) => add(g!, mul(v!, m))) : velocity
      return [updates as typeof grads, tagState('optim.trace', { count: state.count + 1, velocity })]
    },
  }
}

/**
 * The momentum recurrence in the paper's form: Δ ← m·Δ + g, and the updates
 * are Δ (or g + m·Δ with `nesterov`, Sutskever et al. 2013's form, as in
 * optax's `trace`). The velocity starts at zero. Why: momentum without the
 * learning rate, so the rate can change (a schedule) without rescaling Δ.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.trace({ decay: 0.5 })
 * const g = { w: tensor([2]) }
 * const [u1, s1] = tx.update(g, tx.init(g), g)
 * const [u2] = tx.update(g, s1, g)
 * console.assert(u1.w.item() === 2 && u2.w.item() === 3)
 * @since 0.1.0
 */
export const trace = (options: TraceOptions): GradientTransformation<TraceState> => traceAs('optim.trace', 'decay', options)

/**
 * The options of {@link scaleByAdam}; defaults are Kingma & Ba's (and
 * optax's). Why: the usual defaults, overridable one by one.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.ScaleByAdamOptions = { b2: 0.99 }
 * console.assert(optim.scaleByAdam(o).init({}).count === 0)
 * @since 0.1.0
 */
export interface ScaleByAdamOptions {
  /** Decay of the first moment, in [0, 1) (default 0.9). */
  readonly b1?: number
  /** Decay of the second moment, in [0, 1) (default 0.999). */
  readonly b2?: number
  /** Added to √v̂ in the denominator, ≥ 0 (default 1e-8). */
  readonly eps?: number
  /** Added to v̂ under the square root, ≥ 0 (default 0). */
  readonly epsRoot?: number
}

const scaleByAdamAs = (op: string, { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 }: ScaleByAdamOptions): GradientTransformation<AdamState> => {
  checkNow(op, 'b1', b1, isDecay, 'in [0, 1)')
  checkNow(op, 'b2', b2, isDecay, 'in [0, 1)')
  checkNow(op, 'eps', eps, isRate, 'a finite number ≥ 0')
  checkNow(op, 'epsRoot', epsRoot, isRate, 'a finite number ≥ 0')
  return {
    init: (params) => tagState('optim.scaleByAdam', { count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, state) => {
      const names = ['gradients', 'moments']
      const mu = zipLeaves(op, names, [grads, state.mu], ([g, m]) => add(mul(g!, 1 - b1), mul(m!, b1)))
      const nu = zipLeaves(op, names, [grads, state.nu], ([g, v]) => add(mul(square(g!), 1 - b2), mul(v!, b2)))
      const count = state.count + 1
      const c1 = 1 - b1 ** count
      const c2 = 1 - b2 ** count
      const updates = zipLeaves(op, ['first moment', 'second moment'], [mu, nu], ([m, v]) => div(div(m!, c1), add(sqrt(add(div(v!, c2), epsRoot)), eps)))
      return [updates as typeof grads, tagState('optim.scaleByAdam', { count, mu, nu })]
    },
  }
}

/**
 * Adam's scaling without the learning rate (Kingma & Ba 2015, Algorithm 1;
 * optax's `scale_by_adam`): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * updates = m̂ / (√(v̂ + eps_root) + eps) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 * t counting from 1. Why: the adaptive stage of {@link adam}.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.scaleByAdam({ eps: 0 })
 * const g = { w: tensor([-0.25], 'float64') }
 * const [u] = tx.update(g, tx.init(g), g)
 * console.assert(Math.abs(u.w.item() + 1) < 1e-15) // the first step is sign(g)
 * @since 0.1.0
 */
export const scaleByAdam = (options: ScaleByAdamOptions = {}): GradientTransformation<AdamState> => scaleByAdamAs('optim.scaleByAdam', options)

/**
 * Adds λ·w to the gradients: the gradient of the L2 penalty (λ/2)‖w‖²
 * (optax's `add_decayed_weights`). With a `mask` (a tree of booleans of
 * the parameters' structure or a prefix of it, or a function of the
 * parameters returning one, as optax's), only the leaves marked `true` are
 * decayed; the others pass through. Put it before the learning-rate stage
 * (`chain(addWeightDecay(λ), sgd(ε))`). Deviation: λ is a number; optax
 * also takes a schedule. Why: the paper's L2 baseline, as a transformation
 * instead of a loss term.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.addWeightDecay(0.5)
 * const p = { w: tensor([2, -4]) }
 * const [u] = tx.update({ w: tensor([1, 1]) }, tx.init(p), p)
 * console.assert(u.w.toTypedArray().join() === '2,-1')
 * @since 0.1.0
 */
export const addWeightDecay = <M = Tree>(weightDecay: number, mask?: MaskOption<M>  ): GradientTransformation<EmptyState> =>
  weightDecayAs('optim.addWeightDecay', weightDecay, mask)

const weightDecayAs = <M>(op: string, weightDecay: number, mask: MaskOption<M> | undefined): GradientTransformation<EmptyState> => {
  checkNow(op, 'weightDecay', weightDecay, isFiniteNumber, 'a finite number')
  checkMask(op, mask)
  return {
    init: () => tagState('optim.addWeightDecay', {}),
    update: (grads, state, params) => {
      const decayed = mask === undefined ? undefined : maskedLeaves(op, mask, params)
      const updates = zipLeaves(op, ['gradients', 'params'], [grads, params], ([g, w], _, i) => (decayed === undefined || decayed[i]! ? add(g!, mul(w!, weightDecay)) : g!))
      return [updates as typeof grads, state]
    },
  }
}

/**
 * Stochastic gradient descent: updates = −εₜ·g, so w ← w − εₜ·g. Why: the
 * baseline every other optimizer is measured against.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(optim.sgd(0.5))
 * const p = { w: tensor([1, 2]) }
 * const [next] = train(p, train.init(p), { w: tensor([2, -2]) })
 * console.assert(next.w.toTypedArray().join() === '0,3')
 * @since 0.1.0
 */
export const sgd = (learningRate: number | Schedule): GradientTransformation<CountState> => byLearningRate('optim.sgd', learningRate)

/**
 * The options of {@link momentum}. Why: the paper's recipe schedules both
 * the learning rate and the momentum.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const recipe: optim.MomentumOptions = { learningRate: optim.inverseTime(1, 1e4), momentum: optim.momentumRamp(0.5, 0.99, 1e5) }
 * console.assert(optim.momentum(recipe).init({})[0].count === 0)
 * @since 0.1.0
 */
export interface MomentumOptions {
  /** The learning rate ε ≥ 0, or a schedule of it. */
  readonly learningRate: number | Schedule
  /** The momentum coefficient m in [0, 1), or a schedule of it (the paper ramps 0.5 → 0.99). */
  readonly momentum: number | Schedule
  /** Nesterov's accelerated gradient (default false). */
  readonly nesterov?: boolean
}

/**
 * Momentum in the paper's form: Δ ← mₜΔ + g, w ← w − εₜΔ (classical), or
 * w ← w − εₜ(g + mₜΔ) with `nesterov`. It is `chain(trace, scaleByLearningRate)`,
 * so its state is `[{ count, velocity }, { count }]`. Why: dropout nets train
 * with high learning rates and momentum 0.95–0.99.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(optim.momentum({ learningRate: 0.5, momentum: 0.5 }))
 * const g = { w: tensor([1]) }
 * const p0 = { w: tensor([0]) }
 * const [p1, s1] = train(p0, train.init(p0), g) // Δ = 1,   w = −0.5
 * const [p2] = train(p1, s1, g) //                  Δ = 1.5, w = −1.25
 * console.assert(p1.w.item() === -0.5 && p2.w.item() === -1.25)
 * @since 0.1.0
 */
export const momentum = ({ learningRate, momentum: m, nesterov = false }: MomentumOptions): GradientTransformation<readonly [TraceState, CountState]> =>
  chain(traceAs('optim.momentum', 'momentum', { decay: m, nesterov }), byLearningRate('optim.momentum', learningRate))

/**
 * The options of {@link adam}. Why: Adam's moments plus the step size.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.AdamOptions = { learningRate: optim.exponentialDecay(1e-3, 1000, 0.5) }
 * console.assert(optim.adam(o).init({}).length === 2)
 * @since 0.1.0
 */
export interface AdamOptions extends ScaleByAdamOptions {
  /** The step size ε ≥ 0, or a schedule of it (Kingma & Ba's α). */
  readonly learningRate: number | Schedule
}

/**
 * Adam (Kingma & Ba 2015), as optax's `adam`: `chain(scaleByAdam, scaleByLearningRate)`.
 * Why: the common default, for comparison with the paper's momentum.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(optim.adam({ learningRate: 0.1 }))
 * const p = { w: tensor([1], 'float64') }
 * const [next] = train(p, train.init(p), { w: tensor([3], 'float64') })
 * console.assert(Math.abs(next.w.item() - (1 - 0.1 * 3 / (3 + 1e-8))) < 1e-15)
 * @since 0.1.0
 */
export const adam = ({ learningRate, ...moments }: AdamOptions): GradientTransformation<readonly [AdamState, CountState]> =>
  chain(scaleByAdamAs('optim.adam', moments), byLearningRate('optim.adam', learningRate))

/**
 * The options of {@link adamw}: Adam's, the decoupled weight decay and
 * its mask; defaults are optax's. Why: AdamW's usual knobs in one record.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.AdamWOptions = { learningRate: 1e-3, weightDecay: 0.01, mask: { w: true, b: false } }
 * console.assert(optim.adamw(o).init({}).length === 3)
 * @since 0.2.0
 */
export interface AdamWOptions<M = Tree> extends AdamOptions {
  /** λ, the rate of the decoupled weight decay, a finite number (default 1e-4, optax's). */
  readonly weightDecay?: number
  /** Which parameters decay (a {@link Mask} or a function of the parameters returning one); default all. */
  readonly mask?: MaskOption<M> | undefined
}

/**
 * AdamW (Loshchilov & Hutter 2019), as optax's `adamw`:
 * `chain(scaleByAdam, addWeightDecay(λ, mask), scaleByLearningRate)`, so
 * w ← w − εₜ(m̂/(√(v̂ + eps_root) + eps) + λ·w): the decay is added after
 * Adam's scaling (decoupled from the moments) and scaled by the learning
 * rate. Deviation: λ is a number (optax also takes a schedule) and the mask
 * function is called with the parameters (optax calls it with the updates
 * in `update`; both have the same structure and shapes). Why: the usual
 * way to regularise an adaptive optimizer.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(optim.adamw({ learningRate: 0.1, weightDecay: 0.5, eps: 0, mask: { w: true, b: false } }))
 * const p = { w: tensor([2], 'float64'), b: tensor([2], 'float64') }
 * const [next] = train(p, train.init(p), { w: tensor([-3], 'float64'), b: tensor([-3], 'float64') })
 * // Adam's first step is sign(g) = −1; w also decays by 0.5·2.
 * console.assert(Math.abs(next.w.item() - 2) < 1e-12 && Math.abs(next.b.item() - 2.1) < 1e-12)
 * @since 0.2.0
 */
export const adamw = <M = Tree>({ learningRate, weightDecay = 1e-4, mask, ...moments }: AdamWOptions<M>): GradientTransformation<readonly [AdamState, EmptyState, CountState]> =>
  chain(scaleByAdamAs('optim.adamw', moments), weightDecayAs('optim.adamw', weightDecay, mask), byLearningRate('optim.adamw', learningRate))
