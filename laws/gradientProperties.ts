/**
 * The gradient laws of `./gradients.ts` as fast-check properties: each takes
 * the function and an arbitrary of its inputs (or an arbitrary of whole
 * cases) and draws directions and coefficients itself; run them with
 * `fc.assert(prop, params)`. On failure the property throws the worst
 * discrepancy, which fast-check reports as the error's cause.
 */
import fc from 'fast-check'
import type { Tensor } from '../src/core/tensor.js'
import type { TreeLike } from '../src/tree/index.js'
import { normalLike } from './arbitraries.js'
import {
  type GradCase, type GradLawOptions, type GradsOptions, type LawCheck,
  adjointCheck, checkGrads, hvpSymmetryCheck, jvpFiniteDifferenceCheck, jvpLinearityCheck, vjpFiniteDifferenceCheck, vjpLinearityCheck,
} from './gradients.js'

// ------------------------------------------------------------ properties

/**
 * What a property draws besides the case — a seed for the directions, the
 * scalars of the linearity laws — so a counterexample can be replayed.
 * @example
 * import fc from 'fast-check'
 * import { linearityProperty, tensorArb, type GradDraw } from 'grad-ts/laws'
 * import { exp } from 'grad-ts'
 * const r = fc.check(linearityProperty(exp, tensorArb([2])), { numRuns: 3 })
 * const draw: GradDraw | undefined = r.counterexample?.[1]
 * console.assert(!r.failed && draw === undefined)
 * @since 0.1.0
 */
export interface GradDraw {
  readonly seed: number
  readonly alpha: number
  readonly beta: number
}

const drawArb: fc.Arbitrary<GradDraw> = fc.record({ seed: fc.nat(), alpha: fc.double({ min: -2, max: 2, noNaN: true }), beta: fc.double({ min: -2, max: 2, noNaN: true }) })

/**
 * The two ways to give a property its cases: `(f, inputs, options?)`, or
 * `(cases, options?)` with an arbitrary of `{ f, x }` for functions that
 * close over drawn data (labels, indices, axes).
 * @example
 * import fc from 'fast-check'
 * import { adjointProperty, tensorArb, type CasesArgs, type GradLawOptions } from 'grad-ts/laws'
 * import { exp, type Tensor } from 'grad-ts'
 * const args: CasesArgs<Tensor, Tensor, GradLawOptions> = [exp, tensorArb([3]), { roundoff: 2 ** -40 }]
 * fc.assert(adjointProperty(...args), { numRuns: 3 })
 * @since 0.1.0
 */
export type CasesArgs<P extends TreeLike<P>, Y extends TreeLike<Y>, O> =
  | readonly [f: (x: P) => Y, inputs: fc.Arbitrary<P>, options?: O | undefined]
  | readonly [cases: fc.Arbitrary<GradCase<P, Y>>, options?: O | undefined]

/** Builds a property from checks; throwing (rather than returning false) puts the discrepancy in fast-check's report. */
const propertyOf = <P extends TreeLike<P>, Y extends TreeLike<Y>, O>(args: CasesArgs<P, Y, O>, check: (k: GradCase<P, Y>, d: GradDraw, o: O | undefined) => readonly LawCheck[]) => {
  const [first, second, third] = args
  const cases = typeof first === 'function' ? (second as fc.Arbitrary<P>).map((x) => ({ f: first, x })) : first
  const options = (typeof first === 'function' ? third : second) as O | undefined
  return fc.property(cases, drawArb, (k, d) => {
    const bad = check(k, d, options).find((r) => !r.ok)
    if (bad !== undefined) throw new Error(`${bad.law} fails at ${bad.at}: got ${bad.got}, want ${bad.want} (|Δ| = ${Math.abs(bad.got - bad.want)}, tolerance ${bad.tolerance})`)
  })
}

/**
 * {@link checkGrads} (orders 1 and 2 by default) as a property.
 * @example
 * import fc from 'fast-check'
 * import { gradsProperty, tensorArb } from 'grad-ts/laws'
 * import { tanh } from 'grad-ts'
 * fc.assert(gradsProperty(tanh, tensorArb([3])), { numRuns: 5 })
 * @since 0.1.0
 */
export const gradsProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, GradsOptions>) =>
  propertyOf(args, (k, d, o) => checkGrads(k.f, k.x, { ...o, seed: d.seed }))

/**
 * {@link jvpFiniteDifferenceCheck} as a property, with a standard normal tangent.
 * @example
 * import fc from 'fast-check'
 * import { jvpFiniteDifferenceProperty, tensorArb } from 'grad-ts/laws'
 * import { exp } from 'grad-ts'
 * fc.assert(jvpFiniteDifferenceProperty(exp, tensorArb([2, 2])), { numRuns: 5 })
 * @since 0.1.0
 */
export const jvpFiniteDifferenceProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, GradLawOptions>) =>
  propertyOf(args, (k, d, o) => [jvpFiniteDifferenceCheck(k.f, k.x, normalLike(k.x, d.seed), o)])

/**
 * {@link vjpFiniteDifferenceCheck} as a property, with standard normal directions.
 * @example
 * import fc from 'fast-check'
 * import { vjpFiniteDifferenceProperty, tensorArb } from 'grad-ts/laws'
 * import { sigmoid } from 'grad-ts'
 * fc.assert(vjpFiniteDifferenceProperty(sigmoid, tensorArb([3])), { numRuns: 5 })
 * @since 0.1.0
 */
export const vjpFiniteDifferenceProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, GradLawOptions>) =>
  propertyOf(args, (k, d, o) => [vjpFiniteDifferenceCheck(k.f, k.x, normalLike(k.x, d.seed), normalLike(k.f(k.x), d.seed, 1), o)])

/**
 * {@link adjointCheck} as a property, with standard normal directions.
 * @example
 * import fc from 'fast-check'
 * import { adjointProperty, tensorArb } from 'grad-ts/laws'
 * import { softmax } from 'grad-ts'
 * fc.assert(adjointProperty(softmax, tensorArb([2, 3])), { numRuns: 5 })
 * @since 0.1.0
 */
export const adjointProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, GradLawOptions>) =>
  propertyOf(args, (k, d, o) => [adjointCheck(k.f, k.x, normalLike(k.x, d.seed), normalLike(k.f(k.x), d.seed, 1), o)])

/**
 * {@link jvpLinearityCheck} and {@link vjpLinearityCheck} as one property.
 * @example
 * import fc from 'fast-check'
 * import { linearityProperty, tensorArb } from 'grad-ts/laws'
 * import { log1p } from 'grad-ts'
 * fc.assert(linearityProperty(log1p, tensorArb([4], { min: 0, max: 3 })), { numRuns: 5 })
 * @since 0.1.0
 */
export const linearityProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, GradLawOptions>) =>
  propertyOf(args, (k, { seed, alpha, beta }, o) => [
    jvpLinearityCheck(k.f, k.x, normalLike(k.x, seed), normalLike(k.x, seed, 1), alpha, beta, o),
    vjpLinearityCheck(k.f, k.x, normalLike(k.f(k.x), seed, 2), normalLike(k.f(k.x), seed, 3), alpha, beta, o),
  ])

/**
 * {@link hvpSymmetryCheck} as a property, for scalar functions.
 * @example
 * import fc from 'fast-check'
 * import { hvpSymmetryProperty, tensorArb } from 'grad-ts/laws'
 * import { logSumExp, type Tensor } from 'grad-ts'
 * fc.assert(hvpSymmetryProperty((x: Tensor) => logSumExp(x), tensorArb([4])), { numRuns: 5 })
 * @since 0.1.0
 */
export const hvpSymmetryProperty = <P extends TreeLike<P>>(...args: CasesArgs<P, Tensor, GradLawOptions>) =>
  propertyOf(args, (k, d, o) => [hvpSymmetryCheck(k.f, k.x, normalLike(k.x, d.seed), normalLike(k.x, d.seed, 1), o)])
