/**
 * Laws of differentiation, after JAX's `check_grads`: reverse and forward
 * mode agree with central finite differences, jvp and vjp are adjoint, both
 * are linear, Hessian-vector products are symmetric — and, at order 2, the
 * same checks hold for the derivative maps themselves. Each law is a check
 * (`…Check`, a {@link LawCheck} naming the worst discrepancy), a predicate
 * (`…Law`, a boolean) and a fast-check property (`…Property`, run it with
 * `fc.assert(prop, params)`).
 *
 * Functions map parameter trees to trees, in float64 only: finite
 * differences in float32 measure rounding, not derivatives.
 *
 * Tolerances (see {@link gradientTolerances}) follow JAX's
 * `jax._src.public_test_util`: step ε = 1e-4; a finite-difference comparison
 * of an output leaf with n elements passes when |a − b| ≤ n·atol + n·rtol·|b|
 * elementwise (b: the finite difference), with JAX's float64 gradient
 * tolerances atol = rtol = 1e-5; the vjp check compares the scalars ⟨t, Jᵀc⟩
 * and ⟨(f(x+εt) − f(x−εt))/2ε, c⟩ (n = 1). Identities that are exact in real
 * arithmetic (adjoint, linearity, symmetry) only see rounding: they pass
 * within roundoff·(n + S), S the magnitude of the terms compared and n their
 * number — the same absolute-plus-relative scheme, with atol = rtol = roundoff.
 */
import type { Tensor } from '../src/core/tensor.js'
import { hvp, jvp, vjp } from '../src/ad/transforms.js'
import { type Tree, type TreeLike, flatten } from '../src/tree/index.js'
import { normalLike } from './arbitraries.js'
import { axpby, flat64, inner, norm2, numericalJvp, samePrimal, unflat, worst } from './float64Trees.js'

/**
 * The default tolerances, and why:
 * - `eps` = 1e-4, `atol` = `rtol` = 1e-5: JAX's `EPS` and
 *   `default_gradient_tolerance[float64]` (jax/_src/public_test_util.py).
 *   A central difference errs by ε²/6·|D³f[t,t,t]| (≈ 2e-9 per unit of third
 *   derivative) plus rounding u·|f|/ε (≈ 1e-12·|f|): both far below 1e-5.
 * - `roundoff` = 2⁻⁴⁰ ≈ 9.1e-13 = 2¹³ units of float64 roundoff (u = 2⁻⁵³),
 *   per term and relative to the terms' magnitude S: a budget for the
 *   rounding of two derivative evaluations tens of ops deep. The absolute
 *   part (one per term, against standard normal directions) covers exact
 *   zeros that rounding turns into noise, as where a rule cancels terms of
 *   size O(1) (σ''(0) = 0 computed as σ'(1−σ) − σσ'). Seven orders of
 *   magnitude below the finite-difference tolerance, so a rule off by more
 *   than a part in 10¹² fails. Inner products use compensated summation, so
 *   their own error (≈ 2u·S) does not grow with the number of terms.
 * @example
 * import { gradientTolerances } from 'grad-ts/laws'
 * console.assert(gradientTolerances.eps === 1e-4 && gradientTolerances.roundoff === 2 ** -40)
 * @since 0.1.0
 */
export const gradientTolerances = { eps: 1e-4, atol: 1e-5, rtol: 1e-5, roundoff: 2 ** -40 } as const

/**
 * Overrides of {@link gradientTolerances}, for functions whose scale or
 * smoothness calls for another step or budget.
 * @example
 * import { jvpFiniteDifferenceLaw, normalLike, type GradLawOptions } from 'grad-ts/laws'
 * import { tensor, exp } from 'grad-ts'
 * const coarse: GradLawOptions = { eps: 1e-3, rtol: 1e-3 }
 * const x = tensor([1, 2], 'float64')
 * console.assert(jvpFiniteDifferenceLaw(exp, x, normalLike(x, 0), coarse))
 * @since 0.1.0
 */
export interface GradLawOptions {
  /** Finite-difference step. */
  readonly eps?: number
  /** Absolute tolerance of finite-difference comparisons, per element (scaled by the leaf's size, as in JAX). */
  readonly atol?: number
  /** Relative tolerance of finite-difference comparisons (scaled likewise). */
  readonly rtol?: number
  /** Absolute (per term) and relative tolerance of the identities that are exact up to rounding. */
  readonly roundoff?: number
}

/**
 * The outcome of a law at one point: the worst comparison (largest
 * |got − want| / tolerance), so a failure says where and by how much.
 * @example
 * import { checkGrads, type LawCheck } from 'grad-ts/laws'
 * import { tensor, tanh } from 'grad-ts'
 * const [first]: readonly LawCheck[] = checkGrads(tanh, tensor([0.5], 'float64'), { order: 1 })
 * console.assert(first!.ok && first!.law.startsWith('f: ') && Math.abs(first!.got - first!.want) <= first!.tolerance)
 * @since 0.1.0
 */
export interface LawCheck {
  /** The law, and the map it was applied to at order 2 (`jvp map: …`). */
  readonly law: string
  readonly ok: boolean
  /** Where: an output or input leaf path and flat index, `inner product`, or `primal`. */
  readonly at: string
  readonly got: number
  readonly want: number
  readonly tolerance: number
}

/**
 * A function and a point to check it at, drawn together so the function can
 * close over drawn data (axes, labels, indices).
 * @example
 * import fc from 'fast-check'
 * import { gradsProperty, tensorArb, type GradCase } from 'grad-ts/laws'
 * import { sum, type Tensor } from 'grad-ts'
 * const cases: fc.Arbitrary<GradCase<Tensor, Tensor>> = fc
 *   .tuple(tensorArb([2, 3]), fc.constantFrom(0, 1))
 *   .map(([x, axis]) => ({ f: (v: Tensor) => sum(v, { axis }), x }))
 * fc.assert(gradsProperty(cases), { numRuns: 5 })
 * @since 0.1.0
 */
export interface GradCase<P extends TreeLike<P>, Y extends TreeLike<Y>> {
  /** The function under test. */
  readonly f: (x: P) => Y
  /** The point at which it is differentiated. */
  readonly x: P
}

const tolerances = (o: GradLawOptions) => ({ ...gradientTolerances, ...o })

// ------------------------------------------------------------ the laws

/**
 * Forward mode agrees with central finite differences (JAX's `check_jvp`):
 * jvp(f, x, t) ≈ (f(x + εt) − f(x − εt))/2ε on every output element, within
 * n·atol + n·rtol·|fd| for a leaf of n elements; and jvp's primal output is
 * f(x) bit for bit.
 * @example
 * import { jvpFiniteDifferenceCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, exp } from 'grad-ts'
 * const x = tensor([0.5, -1], 'float64')
 * const r = jvpFiniteDifferenceCheck(exp, x, normalLike(x, 1))
 * console.assert(r.ok && Math.abs(r.got - r.want) <= r.tolerance)
 * @since 0.1.0
 */
export const jvpFiniteDifferenceCheck = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, t: P, options: GradLawOptions = {}): LawCheck => {
  const law = 'forward mode ≈ finite differences'
  const o = tolerances(options)
  const [y, ty] = jvp(f, x, t)
  const bad = samePrimal(law, y, f(x))
  if (bad !== undefined) return bad
  const got = flat64(law, ty, 'the output tangent')
  return worst(law, numericalJvp(law, f, x, t, o.eps).flatMap((l, i) => {
    const n = l.data.length
    return Array.from(l.data, (want, k) => ({ at: `output ${l.path}[${k}]`, got: got[i]!.data[k]!, want, tolerance: n * o.atol + n * o.rtol * Math.abs(want) }))
  }))
}

/**
 * Reverse mode agrees with central finite differences (JAX's `check_vjp`):
 * ⟨t, vjp(f, x)(c)⟩ ≈ ⟨(f(x + εt) − f(x − εt))/2ε, c⟩ within atol + rtol·|rhs|;
 * and vjp's primal output is f(x) bit for bit.
 * @example
 * import { vjpFiniteDifferenceCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, mul, sum, type Tensor } from 'grad-ts'
 * const x = tensor([0.5, -1], 'float64')
 * console.assert(vjpFiniteDifferenceCheck((v: Tensor) => sum(mul(v, v)), x, normalLike(x, 1), tensor(1, 'float64')).ok)
 * @since 0.1.0
 */
export const vjpFiniteDifferenceCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, t: P, c: Y, options: GradLawOptions = {}): LawCheck => {
  const law = 'reverse mode ≈ finite differences'
  const o = tolerances(options)
  const [y, pullback] = vjp(f, x)
  const bad = samePrimal(law, y, f(x))
  if (bad !== undefined) return bad
  const got = inner(flat64(law, t, 'the tangent'), flat64(law, pullback(c), 'the input cotangent')).value
  const want = inner(numericalJvp(law, f, x, t, o.eps), flat64(law, c, 'the cotangent')).value
  return worst(law, [{ at: 'inner product', got, want, tolerance: o.atol + o.rtol * Math.abs(want) }])
}

/**
 * The adjoint identity ⟨J·t, c⟩ = ⟨t, Jᵀ·c⟩ between jvp and vjp, exact up to
 * rounding: within roundoff·(n + S), S = Σ|(Jt)ᵢcᵢ| + Σ|tᵢ(Jᵀc)ᵢ| over the
 * n products.
 * @example
 * import { adjointCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, matmul } from 'grad-ts'
 * const x = { a: tensor([[1, 2], [3, 4]], 'float64'), b: tensor([[0.5], [-1]], 'float64') }
 * const f = (p: typeof x) => matmul(p.a, p.b)
 * console.assert(adjointCheck(f, x, normalLike(x, 1), normalLike(f(x), 2)).ok)
 * @since 0.1.0
 */
export const adjointCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, t: P, c: Y, options: GradLawOptions = {}): LawCheck => {
  const law = 'adjoint ⟨Jt, c⟩ = ⟨t, Jᵀc⟩'
  const jt = inner(flat64(law, jvp(f, x, t)[1], 'the output tangent'), flat64(law, c, 'the cotangent'))
  const jc = inner(flat64(law, t, 'the tangent'), flat64(law, vjp(f, x)[1](c), 'the input cotangent'))
  return worst(law, [{ at: 'inner product', got: jt.value, want: jc.value, tolerance: tolerances(options).roundoff * (jt.scale + jc.scale) }])
}

/** ‖L(αa + βb) − αL(a) − βL(b)‖ per leaf of n elements of L's output, within roundoff·(√n + ‖L(αa+βb)‖ + |α|‖L(a)‖ + |β|‖L(b)‖). */
const linearity = (law: string, L: (v: Tree) => Tree, a: Tree, b: Tree, alpha: number, beta: number, roundoff: number): LawCheck => {
  const as = flat64(law, a, 'the direction')
  const bs = flat64(law, b, 'the direction')
  const la = flat64(law, L(a), 'the image')
  const lb = flat64(law, L(b), 'the image')
  const sum = axpby(law, alpha, la, beta, lb)
  return worst(law, flat64(law, L(unflat(a, as, axpby(law, alpha, as, beta, bs))), 'the image').map((l, i) => ({
    at: `leaf ${l.path} (2-norm)`,
    got: norm2(l.data.map((v, k) => v - sum[i]![k]!)),
    want: 0,
    tolerance: roundoff * (Math.sqrt(l.data.length) + norm2(l.data) + Math.abs(alpha) * norm2(la[i]!.data) + Math.abs(beta) * norm2(lb[i]!.data)),
  })))
}

/**
 * The jvp is linear in the tangent: J(αt₁ + βt₂) = αJt₁ + βJt₂, exact up to
 * rounding: per output leaf of n elements, in the 2-norm, within
 * roundoff·(√n + ‖J(αt₁+βt₂)‖ + |α|‖Jt₁‖ + |β|‖Jt₂‖).
 * @example
 * import { jvpLinearityCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, tanh } from 'grad-ts'
 * const x = tensor([0.5, -1, 2], 'float64')
 * console.assert(jvpLinearityCheck(tanh, x, normalLike(x, 1), normalLike(x, 2), 0.75, -1.5).ok)
 * @since 0.1.0
 */
export const jvpLinearityCheck = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, t1: P, t2: P, alpha: number, beta: number, options: GradLawOptions = {}): LawCheck =>
  linearity('jvp is linear in the tangent', (t) => jvp(f, x, t as P)[1], t1, t2, alpha, beta, tolerances(options).roundoff)

/**
 * The pullback is linear in the cotangent: Jᵀ(αc₁ + βc₂) = αJᵀc₁ + βJᵀc₂,
 * exact up to rounding (per input leaf, in the 2-norm, as for {@link jvpLinearityCheck}).
 * @example
 * import { vjpLinearityCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, sigmoid } from 'grad-ts'
 * const x = tensor([0.5, -1, 2], 'float64')
 * console.assert(vjpLinearityCheck(sigmoid, x, normalLike(x, 1), normalLike(x, 2), 2, 0.5).ok)
 * @since 0.1.0
 */
export const vjpLinearityCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, c1: Y, c2: Y, alpha: number, beta: number, options: GradLawOptions = {}): LawCheck => {
  const pullback = vjp(f, x)[1]
  return linearity('the pullback is linear in the cotangent', (c) => pullback(c as Y), c1, c2, alpha, beta, tolerances(options).roundoff)
}

/**
 * The Hessian of a scalar function is symmetric: ⟨H·u, w⟩ = ⟨u, H·w⟩ with
 * `hvp` (forward over reverse), exact up to rounding: within roundoff·(n + S)
 * as for {@link adjointCheck}.
 * @example
 * import { hvpSymmetryCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, exp, sum, mul, type Tensor } from 'grad-ts'
 * const x = tensor([0.5, -1, 2], 'float64')
 * console.assert(hvpSymmetryCheck((v: Tensor) => sum(mul(exp(v), v)), x, normalLike(x, 1), normalLike(x, 2)).ok)
 * @since 0.1.0
 */
export const hvpSymmetryCheck = <P extends TreeLike<P>>(f: (x: P) => Tensor, x: P, u: P, w: P, options: GradLawOptions = {}): LawCheck => {
  const law = 'Hessian symmetry ⟨Hu, w⟩ = ⟨u, Hw⟩'
  const H = hvp(f)
  const hu = inner(flat64(law, H(x, u), 'H·u'), flat64(law, w, 'w'))
  const hw = inner(flat64(law, u, 'u'), flat64(law, H(x, w), 'H·w'))
  return worst(law, [{ at: 'inner product', got: hu.value, want: hw.value, tolerance: tolerances(options).roundoff * (hu.scale + hw.scale) }])
}

/**
 * {@link jvpFiniteDifferenceCheck} as a predicate.
 * @example
 * import { jvpFiniteDifferenceLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, log } from 'grad-ts'
 * const x = tensor([0.5, 2], 'float64')
 * console.assert(jvpFiniteDifferenceLaw(log, x, normalLike(x, 1)))
 * @since 0.1.0
 */
export const jvpFiniteDifferenceLaw = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, t: P, options: GradLawOptions = {}): boolean => jvpFiniteDifferenceCheck(f, x, t, options).ok

/**
 * {@link vjpFiniteDifferenceCheck} as a predicate.
 * @example
 * import { vjpFiniteDifferenceLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, sqrt } from 'grad-ts'
 * const x = tensor([0.5, 2], 'float64')
 * console.assert(vjpFiniteDifferenceLaw(sqrt, x, normalLike(x, 1), normalLike(x, 2)))
 * @since 0.1.0
 */
export const vjpFiniteDifferenceLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, t: P, c: Y, options: GradLawOptions = {}): boolean => vjpFiniteDifferenceCheck(f, x, t, c, options).ok

/**
 * {@link adjointCheck} as a predicate.
 * @example
 * import { adjointLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, softmax } from 'grad-ts'
 * const x = tensor([[0.5, 2, -1]], 'float64')
 * console.assert(adjointLaw(softmax, x, normalLike(x, 1), normalLike(x, 2)))
 * @since 0.1.0
 */
export const adjointLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, t: P, c: Y, options: GradLawOptions = {}): boolean => adjointCheck(f, x, t, c, options).ok

/**
 * {@link jvpLinearityCheck} as a predicate.
 * @example
 * import { jvpLinearityLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, exp } from 'grad-ts'
 * const x = tensor([0.5, 2], 'float64')
 * console.assert(jvpLinearityLaw(exp, x, normalLike(x, 1), normalLike(x, 2), 3, -0.5))
 * @since 0.1.0
 */
export const jvpLinearityLaw = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, t1: P, t2: P, alpha: number, beta: number, options: GradLawOptions = {}): boolean =>
  jvpLinearityCheck(f, x, t1, t2, alpha, beta, options).ok

/**
 * {@link vjpLinearityCheck} as a predicate.
 * @example
 * import { vjpLinearityLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, exp } from 'grad-ts'
 * const x = tensor([0.5, 2], 'float64')
 * console.assert(vjpLinearityLaw(exp, x, normalLike(x, 1), normalLike(x, 2), 3, -0.5))
 * @since 0.1.0
 */
export const vjpLinearityLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, c1: Y, c2: Y, alpha: number, beta: number, options: GradLawOptions = {}): boolean =>
  vjpLinearityCheck(f, x, c1, c2, alpha, beta, options).ok

/**
 * {@link hvpSymmetryCheck} as a predicate.
 * @example
 * import { hvpSymmetryLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, logSumExp } from 'grad-ts'
 * const x = tensor([0.5, 2, -1], 'float64')
 * console.assert(hvpSymmetryLaw(logSumExp, x, normalLike(x, 1), normalLike(x, 2)))
 * @since 0.1.0
 */
export const hvpSymmetryLaw = <P extends TreeLike<P>>(f: (x: P) => Tensor, x: P, u: P, w: P, options: GradLawOptions = {}): boolean => hvpSymmetryCheck(f, x, u, w, options).ok

/**
 * A constant to every transformation (comparisons, argmax, sign,
 * stopGradient): jvp gives an exactly zero tangent and the pullback an
 * exactly zero cotangent.
 * @example
 * import { zeroDerivativeLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, sign } from 'grad-ts'
 * const x = tensor([0.5, -1], 'float64')
 * console.assert(zeroDerivativeLaw(sign, x, normalLike(x, 1), normalLike(x, 2)))
 * @since 0.1.0
 */
export const zeroDerivativeLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P, t: P, c: Y): boolean => {
  const zero = (tr: Tree) => flatten(tr).every(({ value }) => value.toTypedArray().every((v) => v === 0))
  return zero(jvp(f, x, t)[1]) && zero(vjp(f, x)[1](c))
}

/**
 * Which checks {@link checkGrads} runs, to what order, with which directions.
 * @example
 * import { gradsLaw, type GradsOptions } from 'grad-ts/laws'
 * import { tensor, sqrt } from 'grad-ts'
 * const reverseOnly: GradsOptions = { order: 1, modes: ['rev'], seed: 3 }
 * console.assert(gradsLaw(sqrt, tensor([1, 4], 'float64'), reverseOnly))
 * @since 0.1.0
 */
export interface GradsOptions extends GradLawOptions {
  /** Checks the derivative maps too, recursively, up to this order; default 2. */
  readonly order?: number
  /** `fwd` (jvp), `rev` (vjp); default both, and the adjoint identity between them. */
  readonly modes?: readonly ('fwd' | 'rev')[]
  /** Seed of the random directions; default 0. */
  readonly seed?: number
}

/**
 * JAX's `check_grads(f, x, order)`: at x, with standard normal directions
 * from `seed`, forward mode and reverse mode against finite differences and
 * the adjoint identity between them; at order > 1, the same on the
 * derivative maps (x, t) ↦ jvp(f, x, t) and (x, c) ↦ vjp(f, x)(c), so jvp of
 * jvp, vjp of jvp, jvp of vjp and vjp of vjp are all checked. Returns every
 * check; {@link gradsLaw} gives the verdict.
 * @example
 * import { checkGrads } from 'grad-ts/laws'
 * import { tensor, log, sum, type Tensor } from 'grad-ts'
 * const checks = checkGrads((x: Tensor) => sum(log(x)), tensor([0.5, 2], 'float64'), { order: 2 })
 * console.assert(checks.length === 9 && checks.every((c) => c.ok))
 * @since 0.1.0
 */
export const checkGrads = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, options: GradsOptions = {}): readonly LawCheck[] => {
  const { order = 2, modes = ['fwd', 'rev'], seed = 0 } = options
  const fwd = modes.includes('fwd')
  const rev = modes.includes('rev')
  const out: LawCheck[] = []
  let visits = 0
  const at = (g: (v: Tree) => Tree, v: Tree, k: number, name: string): void => {
    const n = visits++ // each map gets its own pair of direction streams
    const t = normalLike(v, seed, 2 * n)
    const c = normalLike(g(v), seed, 2 * n + 1)
    const named = (r: LawCheck) => ({ ...r, law: `${name}: ${r.law}` })
    if (fwd) out.push(named(jvpFiniteDifferenceCheck(g, v, t, options)))
    if (rev) out.push(named(vjpFiniteDifferenceCheck(g, v, t, c, options)))
    if (fwd && rev) out.push(named(adjointCheck(g, v, t, c, options)))
    if (k <= 1) return
    if (fwd) at((p) => { const q = p as { x: Tree; t: Tree }; return [...jvp(g, q.x, q.t)] }, { x: v, t }, k - 1, `jvp map of ${name}`)
    if (rev) at((p) => { const q = p as { x: Tree; c: Tree }; return vjp(g, q.x)[1](q.c) }, { x: v, c }, k - 1, `vjp map of ${name}`)
  }
  at(f as (v: Tree) => Tree, x, order, 'f')
  return out
}

/**
 * Every check of {@link checkGrads} passes.
 * @example
 * import { gradsLaw } from 'grad-ts/laws'
 * import { tensor, stopGradient, mul, type Tensor } from 'grad-ts'
 * const x = tensor([0.5, 2], 'float64')
 * console.assert(gradsLaw((v: Tensor) => mul(v, v), x))
 * console.assert(!gradsLaw((v: Tensor) => mul(v, stopGradient(v)), x)) // a wrong derivative fails
 * @since 0.1.0
 */
export const gradsLaw = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, options: GradsOptions = {}): boolean => checkGrads(f, x, options).every((c) => c.ok)
