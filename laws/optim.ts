/**
 * Laws of gradient transformations, each as a predicate (`…Law`, returns a
 * boolean) and as a fast-check property built from your arbitraries
 * (`…Property`, run it with `fc.assert(prop, params)`).
 *
 * A *problem* is a parameter tree and a sequence of gradients; laws run a
 * transformation over it (update, then apply the updates) and compare every
 * step's updates and states bit for bit. Two states are equal when they
 * have the same leaves (tensors and numbers, in order) with the same bits —
 * so the states of `chain(chain(a, b), c)` and `chain(a, chain(b, c))`,
 * which differ only in bracketing, compare equal.
 */
import fc from 'fast-check'
import type { FloatDType } from '../src/core/dtype.js'
import { Tensor, fromTypedArray } from '../src/core/tensor.js'
import { type Tree, type TreeLike, flatten, rebuild, structureDifference } from '../src/tree/index.js'
import type { Mask } from '../src/optim/mask.js'
import { type GradientTransformation, applyUpdates, chain, identity, step } from '../src/optim/transform.js'
import { type MomentumOptions, adam, adamw, addWeightDecay, momentum, scale, scaleByAdam, sgd, trace } from '../src/optim/optimizers.js'
import { adagrad, rmsprop, scaleByRms, scaleByRss, scaleByStddev } from '../src/optim/adaptive.js'
import { clipByGlobalNorm } from '../src/optim/clip.js'
import { type Schedule, exponentialDecay, inverseTime, momentumRamp } from '../src/optim/schedule.js'

/**
 * Parameters and the gradients of successive steps, all of one structure.
 * Why: optimizer laws are about trajectories, not single updates.
 *
 * @example
 * import { stateNotMutatedLaw, type OptimProblem } from 'grad-ts/laws'
 * import { optim, tensor } from 'grad-ts'
 * const problem: OptimProblem = { params: { w: tensor([1]) }, grads: [{ w: tensor([2]) }, { w: tensor([-1]) }] }
 * console.assert(stateNotMutatedLaw(optim.sgd(0.1), problem))
 * @since 0.1.0
 */
export interface OptimProblem<P extends Tree = Tree> {
  readonly params: P
  readonly grads: readonly P[]
}

const isPlain = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null) return false
  const proto: unknown = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** The leaves of a state (tensors and other values), in order; arrays and records are structure. */
const stateLeaves = (s: unknown, out: unknown[] = []): unknown[] => {
  if (Array.isArray(s)) (s as readonly unknown[]).forEach((x) => stateLeaves(x, out))
  else if (isPlain(s)) Object.keys(s).forEach((k) => stateLeaves(s[k], out))
  else out.push(s)
  return out
}

const tensorBitsEqual = (a: Tensor, b: Tensor): boolean => {
  if (a.dtype !== b.dtype || a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) return false
  const x = a.toTypedArray()
  const y = b.toTypedArray()
  return x.every((v, i) => Object.is(v, y[i]))
}

const leafEqual = (a: unknown, b: unknown): boolean =>
  a instanceof Tensor && b instanceof Tensor ? tensorBitsEqual(a, b) : !(a instanceof Tensor) && !(b instanceof Tensor) && Object.is(a, b)

/**
 * Bit-for-bit equality of two states: the same leaves in the same order.
 * Why: states of re-bracketed chains differ only in nesting.
 *
 * @example
 * import { statesEqual } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(statesEqual([[{ count: 1 }], tensor([0])], [{ count: 1 }, [tensor([0])]]))
 * console.assert(!statesEqual({ v: tensor([0]) }, { v: tensor([-0]) }))
 * @since 0.1.0
 */
export const statesEqual = (a: unknown, b: unknown): boolean => {
  const x = stateLeaves(a)
  const y = stateLeaves(b)
  return x.length === y.length && x.every((l, i) => leafEqual(l, y[i]))
}

/**
 * Bit-for-bit equality of two trees: the same paths, dtypes, shapes and
 * bits. Why: the optimizer laws promise exact equality, not closeness.
 *
 * @example
 * import { treesEqual } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(treesEqual({ w: tensor([1]) }, { w: tensor([1]) }) && !treesEqual({ w: tensor([1]) }, { w: tensor([1], 'float64') }))
 * @since 0.1.0
 */
export const treesEqual = (a: Tree, b: Tree): boolean => {
  const x = flatten(a)
  const y = flatten(b)
  return structureDifference(a, b) === undefined && x.every((l, i) => tensorBitsEqual(l.value, y[i]!.value))
}

interface Trajectory {
  readonly updates: readonly Tree[]
  readonly states: readonly unknown[]
}

/** Runs `tx` over a problem: at each step, update, then apply the updates to the parameters. */
const run = <S>(tx: GradientTransformation<S>, { params, grads }: OptimProblem): Trajectory => {
  let p = params
  let s = tx.init(params)
  const updates: Tree[] = []
  const states: unknown[] = []
  for (const g of grads) {
    const [u, next] = tx.update(g, s, p)
    updates.push(u)
    states.push(next)
    p = applyUpdates(p, u)
    s = next
  }
  return { updates, states }
}

const sameTrajectory = (a: Trajectory, b: Trajectory): boolean =>
  a.updates.length === b.updates.length && a.updates.every((u, i) => treesEqual(u, b.updates[i]!) && statesEqual(a.states[i], b.states[i]))

/**
 * The identity transformation changes nothing: its updates are the
 * gradients (bit for bit), and `chain(identity(), tx)`, `chain(tx, identity())`
 * and `tx` give the same updates and states at every step.
 *
 * @example
 * import { transformIdentityLaw } from 'grad-ts/laws'
 * import { optim, tensor } from 'grad-ts'
 * const problem = { params: { w: tensor([1, 2]) }, grads: [{ w: tensor([0.5, -1]) }, { w: tensor([2, 0]) }] }
 * console.assert(transformIdentityLaw(optim.momentum({ learningRate: 0.1, momentum: 0.9 }), problem))
 * @since 0.1.0
 */
export const transformIdentityLaw = <S>(tx: GradientTransformation<S>, problem: OptimProblem): boolean => {
  const id = identity()
  const passes = problem.grads.every((g) => {
    const s = id.init(problem.params)
    const [u, next] = id.update(g, s, problem.params)
    return treesEqual(u, g) && statesEqual(next, s)
  })
  const plain = run(tx, problem)
  return passes && sameTrajectory(run(chain(id, tx), problem), plain) && sameTrajectory(run(chain(tx, id), problem), plain)
}

/**
 * `chain` is associative: `chain(chain(a, b), c)` and `chain(a, chain(b, c))`
 * give bit-identical updates and states (up to bracketing) at every step.
 *
 * @example
 * import { chainAssociativityLaw } from 'grad-ts/laws'
 * import { optim, tensor } from 'grad-ts'
 * const problem = { params: { w: tensor([1, 2]) }, grads: [{ w: tensor([0.5, -1]) }, { w: tensor([2, 0]) }] }
 * console.assert(chainAssociativityLaw(optim.addWeightDecay(0.1), optim.scaleByAdam(), optim.sgd(0.01), problem))
 * @since 0.1.0
 */
export const chainAssociativityLaw = <A, B, C>(
  a: GradientTransformation<A>,
  b: GradientTransformation<B>,
  c: GradientTransformation<C>,
  problem: OptimProblem,
): boolean => sameTrajectory(run(chain(chain(a, b), c), problem), run(chain(a, chain(b, c)), problem))

const rounder = (dtype: string): ((x: number) => number) => (dtype === 'float32' ? Math.fround : (x: number) => x)

/**
 * An sgd step is w − ε·g exactly: each element equals the dtype's rounding
 * of w − (rounding of ε·g), with ε itself rounded to the dtype — computed
 * here independently, element by element — and the dtype is kept.
 *
 * @example
 * import { sgdStepLaw } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * console.assert(sgdStepLaw(0.1, { w: tensor([1, 2]), b: tensor([3], 'float64') }, { w: tensor([0.3, -7]), b: tensor([1e-3], 'float64') }))
 * @since 0.1.0
 */
export const sgdStepLaw = <P extends TreeLike<P>>(learningRate: number, params: P, grads: P): boolean => {
  const train = step(sgd(learningRate))
  const [next] = train(params, train.init(params), grads)
  const ps = flatten(params)
  const gs = flatten(grads)
  return flatten(next).every(({ value }, i) => {
    const w = ps[i]!.value
    const g = gs[i]!.value.toTypedArray()
    const r = rounder(w.dtype)
    const eps = r(learningRate)
    const out = value.toTypedArray()
    return value.dtype === w.dtype && w.toTypedArray().every((x, k) => Object.is(out[k], r(x - r(eps * g[k]!))))
  })
}

/**
 * State is never mutated: running a step from a state leaves that state's
 * bits unchanged, and reusing an old state later gives the old answer (updates
 * and next state) bit for bit.
 *
 * @example
 * import { stateNotMutatedLaw } from 'grad-ts/laws'
 * import { optim, tensor } from 'grad-ts'
 * const problem = { params: { w: tensor([1, 2]) }, grads: [{ w: tensor([0.5, -1]) }, { w: tensor([2, 0]) }] }
 * console.assert(stateNotMutatedLaw(optim.adam({ learningRate: 0.1 }), problem))
 * @since 0.1.0
 */
export const stateNotMutatedLaw = <S>(tx: GradientTransformation<S>, problem: OptimProblem): boolean => {
  const snapshot = (s: unknown): unknown[] => stateLeaves(s).map((l) => (l instanceof Tensor ? fromTypedArray(l.toTypedArray(), l.shape) : l))
  const s0 = tx.init(problem.params)
  const before = snapshot(s0)
  const first = run(tx, problem)
  const after = stateLeaves(s0)
  const again = run(tx, problem)
  // Replay each step from its recorded previous state.
  let p = problem.params
  const replays = problem.grads.every((g, i) => {
    const prev = i === 0 ? s0 : (first.states[i - 1] as S)
    const [u, next] = tx.update(g, prev, p)
    p = applyUpdates(p, u)
    return treesEqual(u, first.updates[i]!) && statesEqual(next, first.states[i])
  })
  return before.length === after.length && before.every((l, i) => leafEqual(l, after[i])) && sameTrajectory(first, again) && replays
}

/**
 * Momentum matches the hand-unrolled recurrence Δ ← mₜΔ + g, w ← w − εₜΔ
 * (Nesterov: w ← w − εₜ(g + mₜΔ)), evaluated element by element with the
 * same roundings — so bit for bit: Δ = r(r(m·Δ) + g), w = r(w − r(ε·u)) with
 * r the dtype's rounding and m, ε rounded to the dtype.
 *
 * @example
 * import { momentumRecurrenceLaw } from 'grad-ts/laws'
 * import { optim, tensor } from 'grad-ts'
 * const problem = { params: { w: tensor([1, 2]) }, grads: [{ w: tensor([0.5, -1]) }, { w: tensor([2, 0]) }, { w: tensor([1, 1]) }] }
 * console.assert(momentumRecurrenceLaw({ learningRate: optim.inverseTime(1, 2), momentum: optim.momentumRamp(0.5, 0.99, 3) }, problem))
 * @since 0.1.0
 */
export const momentumRecurrenceLaw = (options: MomentumOptions, problem: OptimProblem): boolean => {
  const at = (v: number | Schedule, t: number): number => (typeof v === 'number' ? v : v(t))
  const train = step(momentum(options))
  let params = problem.params
  let state = train.init(params)
  const ws = flatten(params).map((l) => ({ r: rounder(l.value.dtype), w: Array.from(l.value.toTypedArray()), d: Array.from(l.value.toTypedArray(), () => 0) }))
  return problem.grads.every((grads, t) => {
    ;[params, state] = train(params, state, grads)
    const m = at(options.momentum, t)
    const eps = at(options.learningRate, t)
    const got = flatten(params)
    return flatten(grads).every(({ value }, i) => {
      const { r, w, d } = ws[i]!
      const g = value.toTypedArray()
      const out = got[i]!.value.toTypedArray()
      return w.every((_, k) => {
        d[k] = r(r(r(m) * d[k]!) + g[k]!)
        const u = options.nesterov === true ? r(g[k]! + r(r(m) * d[k])) : d[k]
        w[k] = r(w[k]! - r(r(eps) * u))
        return Object.is(out[k], w[k])
      })
    })
  })
}

// ---------------------------------------------------------------- arbitraries and properties

/**
 * How {@link optimProblemArb} draws problems. Why: laws must hold in each dtype.
 *
 * @example
 * import fc from 'fast-check'
 * import { optimProblemArb, type OptimProblemArbOptions } from 'grad-ts/laws'
 * const o: OptimProblemArbOptions = { dtype: 'float64', maxSteps: 2 }
 * fc.assert(fc.property(optimProblemArb(o), (p) => p.grads.length <= 2), { numRuns: 10 })
 * @since 0.1.0
 */
export interface OptimProblemArbOptions {
  readonly dtype?: FloatDType
  /** At most this many gradient steps (default 4). */
  readonly maxSteps?: number
}

const leafArb = (dtype: FloatDType, shape: readonly number[]) => {
  const n = shape.reduce((a, b) => a * b, 1)
  return fc
    .array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n })
    .map((xs) => fromTypedArray(dtype === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs), shape))
}

/**
 * Problems over MLP-shaped trees `{ layers: [{ w, b }, …] }` (1–2 layers of
 * 1–3 units) with 1–`maxSteps` gradients of the same structure. Why: the
 * shape of real parameters, small enough for many runs.
 *
 * @example
 * import fc from 'fast-check'
 * import { optimProblemArb, sgdStepProperty } from 'grad-ts/laws'
 * fc.assert(sgdStepProperty(fc.double({ min: 0, max: 10, noNaN: true }), optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const optimProblemArb = (o: OptimProblemArbOptions = {}): fc.Arbitrary<OptimProblem> => {
  const dtype = o.dtype ?? 'float32'
  return fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }).chain((sizes) => {
    const tree = () => fc.tuple(...sizes.slice(1).map((out, i) => fc.tuple(leafArb(dtype, [sizes[i]!, out]), leafArb(dtype, [out])).map(([w, b]) => ({ w, b })))).map((layers) => ({ layers }))
    return fc.tuple(tree(), fc.array(tree(), { minLength: 1, maxLength: o.maxSteps ?? 4 })).map(([params, grads]) => ({ params, grads }))
  })
}

const rate = fc.double({ min: 0, max: 2, noNaN: true })
const decay = fc.double({ min: 0, max: 0.99, noNaN: true })
const timescale = fc.integer({ min: 1, max: 100 })

/**
 * Momentum options with constant or scheduled learning rates (inverse-time,
 * exponential decay) and momenta (the ramp), classical or Nesterov. Why:
 * the recurrence must hold whatever the schedules.
 *
 * @example
 * import fc from 'fast-check'
 * import { momentumOptionsArb, momentumRecurrenceProperty, optimProblemArb } from 'grad-ts/laws'
 * fc.assert(momentumRecurrenceProperty(momentumOptionsArb(), optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const momentumOptionsArb = (): fc.Arbitrary<MomentumOptions> =>
  fc.record({
    learningRate: fc.oneof(rate, fc.tuple(rate, timescale).map(([e, t]) => inverseTime(e, t)), fc.tuple(rate, timescale).map(([e, t]) => exponentialDecay(e, t, 0.5))),
    momentum: fc.oneof(decay, fc.tuple(decay, decay, timescale).map(([a, b, t]) => momentumRamp(a, b, t))),
    nesterov: fc.boolean(),
  })

// A mask function as users write them: decay the leaves named `w`, not the biases.
const weightsOnly = (p: Tree): Mask => rebuild(p, flatten(p).map((l) => /(^|\.)w$/.test(l.path))) as Mask

/**
 * The library's transformations with drawn hyperparameters: identity, scale,
 * sgd, trace, momentum, scaleByAdam, adam, weight decay, the RMS stages,
 * rmsprop, scaleByRss, adagrad, adamw with a mask, global-norm clipping, and
 * chains of two.
 * Why: composition laws should meet every stage.
 *
 * @example
 * import fc from 'fast-check'
 * import { gradientTransformationArb, optimProblemArb, stateNotMutatedProperty } from 'grad-ts/laws'
 * fc.assert(stateNotMutatedProperty(gradientTransformationArb(), optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const gradientTransformationArb = (): fc.Arbitrary<GradientTransformation<unknown>> => {
  const base: fc.Arbitrary<GradientTransformation<unknown>> = fc.oneof(
    fc.constant(identity()),
    fc.double({ min: -2, max: 2, noNaN: true }).map((f) => scale(f)),
    rate.map((e) => sgd(e)),
    fc.tuple(decay, fc.boolean()).map(([d, nesterov]) => trace({ decay: d, nesterov })),
    momentumOptionsArb().map((m) => momentum(m)),
    fc.tuple(decay, decay).map(([b1, b2]) => scaleByAdam({ b1, b2 })),
    rate.map((e) => adam({ learningRate: e })),
    fc.double({ min: 0, max: 1, noNaN: true }).map((l) => addWeightDecay(l)),
    fc.tuple(decay, fc.boolean()).map(([d, b]) => (b ? scaleByRms({ decay: d }) : scaleByStddev({ decay: d, biasCorrection: true }))),
    fc.record({ learningRate: rate, centered: fc.boolean(), momentum: fc.option(decay, { nil: undefined }), nesterov: fc.boolean() }).map((o) => rmsprop(o)),
    fc.constant(scaleByRss()),
    rate.map((e) => adagrad({ learningRate: e })),
    fc.tuple(rate, fc.double({ min: 0, max: 1, noNaN: true })).map(([e, l]) => adamw({ learningRate: e, weightDecay: l, mask: weightsOnly })),
    fc.double({ min: 0.1, max: 4, noNaN: true }).map((m) => clipByGlobalNorm(m)),
  )
  return fc.oneof({ weight: 3, arbitrary: base }, { weight: 1, arbitrary: fc.tuple(base, base).map(([a, b]) => chain(a, b)) })
}

/**
 * {@link transformIdentityLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { gradientTransformationArb, optimProblemArb, transformIdentityProperty } from 'grad-ts/laws'
 * fc.assert(transformIdentityProperty(gradientTransformationArb(), optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const transformIdentityProperty = (txs: fc.Arbitrary<GradientTransformation<unknown>>, problems: fc.Arbitrary<OptimProblem>) =>
  fc.property(txs, problems, (tx, p) => transformIdentityLaw(tx, p))

/**
 * {@link chainAssociativityLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { chainAssociativityProperty, gradientTransformationArb, optimProblemArb } from 'grad-ts/laws'
 * fc.assert(chainAssociativityProperty(gradientTransformationArb(), optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const chainAssociativityProperty = (txs: fc.Arbitrary<GradientTransformation<unknown>>, problems: fc.Arbitrary<OptimProblem>) =>
  fc.property(txs, txs, txs, problems, (a, b, c, p) => chainAssociativityLaw(a, b, c, p))

/**
 * {@link sgdStepLaw} as a property, on each gradient of the problem. Why:
 * run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { optimProblemArb, sgdStepProperty } from 'grad-ts/laws'
 * fc.assert(sgdStepProperty(fc.double({ min: 0, max: 1, noNaN: true }), optimProblemArb({ dtype: 'float64' })), { numRuns: 20 })
 * @since 0.1.0
 */
export const sgdStepProperty = (learningRates: fc.Arbitrary<number>, problems: fc.Arbitrary<OptimProblem>) =>
  fc.property(learningRates, problems, (e, p) => p.grads.every((g) => sgdStepLaw(e, p.params, g)))

/**
 * {@link stateNotMutatedLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { optimProblemArb, stateNotMutatedProperty } from 'grad-ts/laws'
 * import { optim } from 'grad-ts'
 * fc.assert(stateNotMutatedProperty(fc.constant(optim.adam({ learningRate: 0.1 })), optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const stateNotMutatedProperty = (txs: fc.Arbitrary<GradientTransformation<unknown>>, problems: fc.Arbitrary<OptimProblem>) =>
  fc.property(txs, problems, (tx, p) => stateNotMutatedLaw(tx, p))

/**
 * {@link momentumRecurrenceLaw} as a property. Why: run it in your suite with `fc.assert`.
 *
 * @example
 * import fc from 'fast-check'
 * import { momentumRecurrenceProperty, optimProblemArb } from 'grad-ts/laws'
 * const recipe = fc.constant({ learningRate: 0.1, momentum: 0.9, nesterov: true })
 * fc.assert(momentumRecurrenceProperty(recipe, optimProblemArb()), { numRuns: 20 })
 * @since 0.1.0
 */
export const momentumRecurrenceProperty = (options: fc.Arbitrary<MomentumOptions>, problems: fc.Arbitrary<OptimProblem>) =>
  fc.property(options, problems, (o, p) => momentumRecurrenceLaw(o, p))
