/**
 * Laws for the derivative rules you write yourself. A `customVjp` or
 * `customJvp` rule is a claim — "this is the derivative" — that holds where
 * you say it does (a straight-through estimator is no derivative anywhere;
 * gradient clipping is one inside the band): {@link customVjpProperty} and
 * {@link customJvpProperty} check it against finite differences on the
 * inputs you draw, and check that the rule survives `vmap`. A primitive from
 * `definePrimitive` must satisfy every law the built-in primitives do:
 * {@link primitiveLaws} runs the gradient laws (orders 1 and 2, in the modes
 * it has rules for), the vmap laws (its batch rule against the loop over
 * slices) and the evalShape law (its abstract evaluation against its kernel,
 * alone and under the transformations).
 *
 * Tolerances are those of the laws wrapped: {@link gradientTolerances} for
 * the finite differences (float64 only), bit for bit or {@link vmapTolerances}
 * for vmap, exact avals for evalShape.
 */
import fc from 'fast-check'
import { isFloat } from '../src/core/dtype.js'
import type { Tensor } from '../src/core/tensor.js'
import { type Primitive, type PrimitiveDef, definePrimitive } from '../src/ad/custom.js'
import { jvp, vjp } from '../src/ad/transforms.js'
import type { Tree, TreeLike } from '../src/tree/index.js'
import { normalLike } from './arbitraries.js'
import { evalShapeCheck } from './abstract.js'
import { type GradCase, type GradsOptions, type LawCheck, checkGrads } from './gradients.js'
import type { CasesArgs } from './gradientProperties.js'
import { type VmapPropertyOptions, checkVmap, nestedArb, throwFailure, vmapCaseArb, vmapNestedCheck, vmapped } from './vmap.js'

/**
 * Options of the custom-rule laws: the gradient laws' (`order`, tolerances;
 * `modes` is set by the kind of rule) and the vmap laws' (`vmap: false` skips them).
 * @example
 * import { customJvpLaw, type CustomRuleOptions } from 'grad-ts/laws'
 * import { customJvp, exp, mul, tensor, type Tensor } from 'grad-ts'
 * const expJ = customJvp((x: Tensor) => exp(x), (x: Tensor, t: Tensor) => [exp(x), mul(t, exp(x))] as const)
 * const o: CustomRuleOptions = { order: 2 }
 * console.assert(customJvpLaw(expJ, tensor([0.5, -1], 'float64'), o))
 * @since 0.2.0
 */
export interface CustomRuleOptions extends Omit<GradsOptions, 'modes'>, Omit<VmapPropertyOptions, 'derivatives'> {
  /** Also check the function under vmap (the property only); default true. */
  readonly vmap?: boolean
}

/**
 * A `customVjp` function's rule agrees with finite differences at `x`:
 * {@link checkGrads} in reverse mode (forward mode of a custom VJP is an
 * error, as in JAX), order 1 by default — order 2 checks the derivative of
 * `bwd` too, where it is meant to be differentiable. The primal check inside
 * also compares `fwd`'s output with the function's own, bit for bit.
 * @example
 * import { customVjpCheck } from 'grad-ts/laws'
 * import { customVjp, mul, sum, tensor, type Tensor } from 'grad-ts'
 * const square = customVjp((x: Tensor) => mul(x, x), { fwd: (x: Tensor) => [mul(x, x), x] as const, bwd: (x: Tensor, g: Tensor) => [mul(g, mul(x, 2))] as const })
 * console.assert(customVjpCheck(square, tensor([0.5, -2], 'float64'), { order: 2 }).every((c) => c.ok))
 * @since 0.2.0
 */
export const customVjpCheck = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, options: CustomRuleOptions = {}): readonly LawCheck[] =>
  checkGrads(f, x, { order: 1, ...options, modes: ['rev'] })

/**
 * A `customJvp` function's rule agrees with finite differences at `x`:
 * {@link checkGrads} in both modes (reverse mode uses the rule's transpose)
 * and the adjoint identity between them; order 1 by default.
 * @example
 * import { customJvpCheck } from 'grad-ts/laws'
 * import { customJvp, exp, log1p, div, mul, add, sub, tensor, type Tensor } from 'grad-ts'
 * const softplus = customJvp((x: Tensor) => log1p(exp(x)), (x: Tensor, t: Tensor) => [log1p(exp(x)), mul(t, sub(1, div(1, add(1, exp(x)))))] as const)
 * console.assert(customJvpCheck(softplus, tensor([0.5, -2, 3], 'float64'), { order: 2 }).every((c) => c.ok))
 * @since 0.2.0
 */
export const customJvpCheck = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, options: CustomRuleOptions = {}): readonly LawCheck[] =>
  checkGrads(f, x, { order: 1, ...options, modes: ['fwd', 'rev'] })

/**
 * Every check of {@link customVjpCheck} passes.
 * @example
 * import { customVjpLaw } from 'grad-ts/laws'
 * import { customVjp, sign, tensor, type Tensor } from 'grad-ts'
 * // A straight-through estimator: sign forward, the identity backward. No derivative of sign, and the law says so.
 * const ste = customVjp((x: Tensor) => sign(x), { fwd: (x: Tensor) => [sign(x), null] as const, bwd: (_: null, g: Tensor) => [g] as const })
 * console.assert(!customVjpLaw(ste, tensor([0.5, -2], 'float64')))
 * @since 0.2.0
 */
export const customVjpLaw = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, options: CustomRuleOptions = {}): boolean => customVjpCheck(f, x, options).every((c) => c.ok)

/**
 * Every check of {@link customJvpCheck} passes.
 * @example
 * import { customJvpLaw } from 'grad-ts/laws'
 * import { customJvp, mul, tensor, type Tensor } from 'grad-ts'
 * const wrong = customJvp((x: Tensor) => mul(x, x), (x: Tensor, t: Tensor) => [mul(x, x), mul(t, x)] as const) // forgets the 2
 * console.assert(!customJvpLaw(wrong, tensor([0.5, 2], 'float64')))
 * @since 0.2.0
 */
export const customJvpLaw = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, options: CustomRuleOptions = {}): boolean => customJvpCheck(f, x, options).every((c) => c.ok)

/** A property: the gradient checks at each case, then (with `vmap`) every vmap law of the function on a drawn batch. */
const customProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(args: CasesArgs<P, Y, CustomRuleOptions>, kind: 'vjp' | 'jvp') => {
  const [first, second, third] = args
  const cases: fc.Arbitrary<GradCase<P, Y>> = typeof first === 'function' ? (second as fc.Arbitrary<P>).map((x) => ({ f: first, x })) : first
  const o = (typeof first === 'function' ? third : (second as CustomRuleOptions | undefined)) ?? {}
  const vmapOn = o.vmap !== false
  const drawn = cases.chain((k) => fc.tuple(
    fc.constant(k),
    vmapOn ? vmapCaseArb(fc.constant(k), o) : fc.constant(undefined),
    vmapOn && o.nested !== false ? nestedArb(k as unknown as GradCase<Tree, Tree>, o) : fc.constant(undefined),
    fc.nat(),
  ))
  return fc.property(drawn, ([k, c, n, seed]) => {
    const f = k.f as unknown as (x: Tree) => Tree
    const checks = [...(kind === 'vjp' ? customVjpCheck(f, k.x as Tree, { ...o, seed }) : customJvpCheck(f, k.x as Tree, { ...o, seed }))]
    if (c !== undefined) checks.push(...checkVmap(c, { ...o, seed, derivatives: kind === 'vjp' ? 'reverse' : true }))
    if (n !== undefined) checks.push(vmapNestedCheck(f, n.xs, n.inner, n.outer, o))
    throwFailure(checks)
  })
}

/**
 * {@link customVjpCheck} as a fast-check property over the inputs where the
 * rule should be the derivative (a function and an arbitrary of its inputs,
 * or an arbitrary of cases), plus the vmap laws of the function: vmap against
 * the loop, vmap of vmap, and `vmap(grad)` / `grad(vmap)` against the loop of
 * its custom gradient (which holds for a rule linear in the cotangent; see
 * {@link vmapGradCheck}).
 * @example
 * import fc from 'fast-check'
 * import { customVjpProperty, tensorArb } from 'grad-ts/laws'
 * import { customVjp, greater, less, mul, where, type Tensor } from 'grad-ts'
 * // Clipping the cotangent to [−10, 10] is the true derivative of 0.5·x wherever it does not bind: for the
 * // laws' standard normal cotangents (|c| < 6.8 from normalLike), 0.5·c never reaches the bound.
 * const clip = (g: Tensor) => where(greater(g, 10), 10, where(less(g, -10), -10, g))
 * const half = customVjp((x: Tensor) => mul(x, 0.5), { fwd: (x: Tensor) => [mul(x, 0.5), null] as const, bwd: (_: null, g: Tensor) => [clip(mul(g, 0.5))] as const })
 * fc.assert(customVjpProperty(half, tensorArb([3])), { numRuns: 5 })
 * @since 0.2.0
 */
export const customVjpProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, CustomRuleOptions>) => customProperty(args, 'vjp')

/**
 * {@link customJvpCheck} as a fast-check property, plus the vmap laws of the
 * function (including `jvp(vmap)` and `vmap(jvp)` against the loop).
 * @example
 * import fc from 'fast-check'
 * import { customJvpProperty, tensorArb } from 'grad-ts/laws'
 * import { customJvp, sqrt, div, mul, type Tensor } from 'grad-ts'
 * const root = customJvp((x: Tensor) => sqrt(x), (x: Tensor, t: Tensor) => [sqrt(x), div(t, mul(sqrt(x), 2))] as const)
 * fc.assert(customJvpProperty(root, tensorArb([2], { min: 0.5, max: 4 }), { order: 2 }), { numRuns: 5 })
 * @since 0.2.0
 */
export const customJvpProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, CustomRuleOptions>) => customProperty(args, 'jvp')

// ------------------------------------------------------------ user primitives

/**
 * One application of a primitive: its inputs and its params.
 * @example
 * import { tensor } from 'grad-ts'
 * import type { PrimitiveCase } from 'grad-ts/laws'
 * const k: PrimitiveCase<{ power: number }> = { inputs: [tensor([1, 2], 'float64')], params: { power: 3 } }
 * console.assert(k.inputs.length === 1)
 * @since 0.2.0
 */
export interface PrimitiveCase<P> {
  readonly inputs: readonly Tensor[]
  readonly params: P
}

/**
 * Options of {@link primitiveLaws}: which derivative rules to check (taken
 * from the definition when one is given: `vjp` → reverse mode, `jvp` →
 * forward mode; a function alone is assumed to have both), to what order
 * (default 2), and the vmap laws' options (`exact: false` for a batch rule
 * that sums in another order than the loop).
 * @example
 * import { primitiveLaws, type PrimitiveLawOptions } from 'grad-ts/laws'
 * const o: PrimitiveLawOptions = { order: 1, modes: ['rev'], exact: false }
 * console.assert(typeof primitiveLaws === 'function' && o.order === 1)
 * @since 0.2.0
 */
export interface PrimitiveLawOptions extends GradsOptions, Omit<VmapPropertyOptions, 'derivatives'> {
  /** Whether the primitive has derivatives (default: from the definition; true for a function alone). Without them, its output must be a constant to both modes. */
  readonly differentiable?: boolean
}

/** The float inputs as the differentiated argument, the others held constant. */
const floatCase = <P>(p: Primitive<P>, k: PrimitiveCase<P>): GradCase<readonly Tensor[], Tensor> => {
  const free = k.inputs.map((x) => isFloat(x.dtype))
  return {
    f: (xs) => {
      let i = 0
      return p(k.inputs.map((c, j) => (free[j] === true ? xs[i++]! : c)), k.params)
    },
    x: k.inputs.filter((_, j) => free[j] === true),
  }
}

/** The zero-derivative law, as a check: a non-differentiable output has exactly zero tangent and cotangent. */
const zeroDerivativeCheck = (g: GradCase<readonly Tensor[], Tensor>, seed: number): LawCheck => {
  const law = 'no derivative rule: the output is a constant to jvp and vjp'
  const t = normalLike(g.x, seed)
  const [y, ty] = jvp(g.f, g.x, t)
  const cs = vjp(g.f, g.x)[1](normalLike(y, seed + 1))
  const bad = [ty, ...cs].flatMap((v) => Array.from(v.toTypedArray())).find((v) => v !== 0)
  return { law, ok: bad === undefined, at: bad === undefined ? 'every element' : 'an element', got: bad ?? 0, want: 0, tolerance: 0 }
}

/**
 * The laws of one user primitive at one application (without the vmap laws,
 * which need a drawn batch; {@link primitiveLaws} draws one): the gradient
 * laws of {@link checkGrads} on its float inputs (the others held constant),
 * in the modes it has rules for — or, without derivatives, zero tangents and
 * cotangents — and the evalShape law of the primitive and of its jvp and
 * pullback maps.
 * @example
 * import { checkPrimitive } from 'grad-ts/laws'
 * import { definePrimitive, mul, tensor, type PrimitiveDef } from 'grad-ts'
 * const def: PrimitiveDef<undefined> = {
 *   name: 'triple', abstractEval: ([x]) => x!, impl: ([x]) => x!.map((v) => 3 * v),
 *   vjp: (g) => mul(g, 3), jvp: ([t]) => mul(t!, 3), batch: ([x], [d]) => [triple([x!], undefined), d!],
 * }
 * const triple = definePrimitive(def)
 * console.assert(checkPrimitive(def, { inputs: [tensor([1, 2], 'float64')], params: undefined }).every((c) => c.ok))
 * @since 0.2.0
 */
export const checkPrimitive = <P>(prim: PrimitiveDef<P> | Primitive<P>, k: PrimitiveCase<P>, options: PrimitiveLawOptions & { readonly seed?: number } = {}): readonly LawCheck[] =>
  checkWith(asPrimitive(prim), modesOf(prim, options), k, options)

const defined = new WeakMap<object, Primitive<never>>()
/** The primitive's function: the one given, or the definition's (made once per definition). */
const asPrimitive = <P>(prim: PrimitiveDef<P> | Primitive<P>): Primitive<P> => {
  if (typeof prim === 'function') return prim
  const known = defined.get(prim) as Primitive<P> | undefined
  if (known !== undefined) return known
  const p = definePrimitive(prim)
  defined.set(prim, p)
  return p
}

const modesOf = <P>(prim: PrimitiveDef<P> | Primitive<P>, o: PrimitiveLawOptions): readonly ('fwd' | 'rev')[] => {
  if (o.differentiable === false) return []
  if (o.modes !== undefined) return o.modes
  if (typeof prim === 'function') return ['fwd', 'rev']
  return [...(prim.jvp === null ? [] : ['fwd' as const]), ...(prim.vjp === null ? [] : ['rev' as const])]
}

const checkWith = <P>(p: Primitive<P>, modes: readonly ('fwd' | 'rev')[], k: PrimitiveCase<P>, o: PrimitiveLawOptions & { readonly seed?: number }): LawCheck[] => {
  const seed = o.seed ?? 0
  const whole = (xs: readonly Tensor[]) => p(xs, k.params)
  const checks: LawCheck[] = [evalShapeCheck(whole, k.inputs)]
  const g = floatCase(p, k)
  const y = p(k.inputs, k.params)
  if (g.x.length === 0 || !isFloat(y.dtype)) return checks
  if (modes.length === 0) return [...checks, zeroDerivativeCheck(g, seed)]
  checks.push(...checkGrads(g.f, g.x, { ...o, modes, seed }))
  if (modes.includes('fwd')) checks.push(evalShapeCheck((q: { x: readonly Tensor[]; t: readonly Tensor[] }) => jvp(g.f, q.x, q.t), { x: g.x, t: normalLike(g.x, seed) }))
  if (modes.includes('rev')) checks.push(evalShapeCheck((q: { x: readonly Tensor[]; c: Tensor }) => vjp(g.f, q.x)[1](q.c), { x: g.x, c: normalLike(y, seed) }))
  return checks
}

/**
 * The laws a primitive from `definePrimitive` must satisfy — the same the
 * built-in primitives do — as one fast-check property over its applications
 * (`cases`: inputs and params inside its domain). Pass the definition (its
 * `vjp`/`jvp` say which modes to check) or the function `definePrimitive`
 * returned. At each case: {@link checkPrimitive} (gradient laws to `order`,
 * default 2; the evalShape law), then on a drawn batch every vmap law
 * ({@link checkVmap}: its batch rule against the loop over slices, with
 * each input batched on a random axis or shared, and under jvp and grad in the
 * modes it has), on a drawn double batch vmap of vmap (the batch rule applied
 * to values of an outer vmap: no elements to read), and the evalShape law of
 * the vmapped primitive.
 * @example
 * import fc from 'fast-check'
 * import { primitiveLaws, tensorArb, type PrimitiveCase } from 'grad-ts/laws'
 * import { definePrimitive, mul, type PrimitiveDef } from 'grad-ts'
 * const cube: PrimitiveDef<undefined> = {
 *   name: 'cube', abstractEval: ([x]) => x!, impl: ([x]) => x!.map((v) => v * v * v),
 *   vjp: (g, { inputs: [x] }) => mul(g, mul(mul(x!, x!), 3)),
 *   jvp: ([t], { inputs: [x] }) => mul(t!, mul(mul(x!, x!), 3)),
 *   batch: ([x], [d]) => [cubeP([x!], undefined), d!],
 * }
 * const cubeP = definePrimitive(cube)
 * const cases: fc.Arbitrary<PrimitiveCase<undefined>> = tensorArb([3]).map((x) => ({ inputs: [x], params: undefined }))
 * fc.assert(primitiveLaws(cube, cases), { numRuns: 5 })
 * @since 0.2.0
 */
export const primitiveLaws = <P>(prim: PrimitiveDef<P> | Primitive<P>, cases: fc.Arbitrary<PrimitiveCase<P>>, options: PrimitiveLawOptions = {}) => {
  const p = asPrimitive(prim)
  const modes = modesOf(prim, options)
  const asCase = (k: PrimitiveCase<P>): GradCase<readonly Tensor[], Tensor> => ({ f: (xs) => p(xs, k.params), x: k.inputs })
  const drawn = cases.chain((k) => fc.tuple(
    fc.constant(k),
    vmapCaseArb(fc.constant(asCase(k)), options),
    options.nested === false ? fc.constant(undefined) : nestedArb(asCase(k) as unknown as GradCase<Tree, Tree>, options),
    fc.nat(),
  ))
  return fc.property(drawn, ([k, c, n, seed]) => {
    const checks = checkWith(p, modes, k, { ...options, seed })
    // The vmap laws differentiate every input: with int or bool inputs, or without both modes, only vmap itself.
    const floats = k.inputs.every((x) => x.dtype === 'float64')
    const derivatives = !floats ? false : modes.includes('fwd') && modes.includes('rev') ? true : modes.includes('rev') ? 'reverse' : false
    checks.push(...checkVmap(c, { ...options, seed, derivatives }))
    if (n !== undefined) checks.push(vmapNestedCheck(c.f as unknown as (x: Tree) => Tree, n.xs, n.inner, n.outer, options))
    throwFailure(checks)
    // Only once vmap itself works: the evalShape law needs the vmapped primitive's real output.
    throwFailure([evalShapeCheck(vmapped(c.f as unknown as (x: Tree) => Tree, c.axes), c.xs as Tree)])
  })
}
