/**
 * Derivatives you write yourself: `customVjp` and `customJvp` give a function
 * its own reverse- or forward-mode rule (as `jax.custom_vjp` and
 * `jax.custom_jvp`), and `definePrimitive` adds a primitive from outside the
 * package, with every rule the built-in primitives have. All three compose
 * with every transformation: `grad` to any order, `jvp`, `vmap`, `evalShape`.
 */
import type { Aval } from '../core/aval.js'
import type { TypedArray } from '../core/dtype.js'
import { TensorError } from '../core/errors.js'
import { checkShape } from '../core/shape.js'
import { type Tensor, tensorArg } from '../core/tensor.js'
import { type TreeLike, flattenAs, rebuild } from '../tree/index.js'
import type { UserCtx } from './primitives.js'
import { type CustomCall, bind, bindCustom } from './trace.js'

const leavesOf = (op: string, t: object): Tensor[] => flattenAs(op, t).map((l) => l.value)

/** `f`'s arguments and output as flat tensors, and how to rebuild them. */
const flatCall = <A extends readonly unknown[], Y>(op: string, args: A) => {
  const argLeaves = args.map((a) => leavesOf(op, a as object))
  const split = (xs: readonly Tensor[]): A => {
    let k = 0
    return args.map((a, i) => rebuild(a as object, argLeaves[i]!.map(() => xs[k++]!))) as unknown as A
  }
  let outShape: Y | undefined
  const flatOut = (y: Y): Tensor[] => {
    outShape = y
    return leavesOf(op, y as object)
  }
  return { flat: argLeaves.flat(), split, flatOut, rebuildOut: (ys: readonly Tensor[]): Y => rebuild(outShape as object, ys) as Y }
}

/** The forward and backward functions of {@link customVjp}, as `jax.custom_vjp`'s `defvjp(fwd, bwd)`. @since 0.2.0 */
export interface VjpRules<A extends readonly unknown[], Y, R> {
  /** The output and whatever `bwd` needs from the forward pass (residuals: a tree of tensors). */
  readonly fwd: (...args: A) => readonly [Y, R]
  /** The cotangents of the arguments (a tuple like `args`; `null` for a zero) from the residuals and the output's cotangent. */
  readonly bwd: (residuals: R, cotangent: Y) => { readonly [K in keyof A]: A[K] | null }
}

/**
 * A function with its own reverse-mode rule, as `jax.custom_vjp`: `grad`,
 * `vjp` and `vmap` of it use `fwd` and `bwd` instead of differentiating `f`'s
 * ops; evaluating it (and `evalShape`) runs `f`. The rule's own ops are
 * traced, so higher orders work where `bwd` is differentiable. As in JAX,
 * forward mode (`jvp`) of it is an error — use {@link customJvp} for that.
 * Arguments and outputs are tensors or trees of them.
 * @example
 * import { customVjp, grad, mul, sum, tensor, where, greater, type Tensor } from 'grad-ts'
 * // Gradient clipping inside the graph: identity forward, clipped cotangent backward.
 * const clipGrad = customVjp((x: Tensor) => x, {
 *   fwd: (x: Tensor) => [x, null] as const,
 *   bwd: (_: null, g: Tensor) => [where(greater(g, 1), 1, g)] as const,
 * })
 * const g = grad((x: Tensor) => sum(mul(clipGrad(x), 5)))(tensor([1, 2]))
 * console.assert(g.toTypedArray().join() === '1,1')
 * @since 0.2.0
 */
export const customVjp = <A extends readonly unknown[], Y extends TreeLike<Y>, R>(f: (...args: A) => Y, rules: VjpRules<A, Y, R>): ((...args: A) => Y) => (...args: A): Y => {
  // Messages name the user's function when it has a name, as JAX's do.
  const op = f.name === '' ? 'customVjp' : `customVjp(${f.name})`
  const c = flatCall<A, Y>(op, args)
  let residualShape: unknown
  const call: CustomCall = {
    name: op,
    fun: (xs) => c.flatOut(f(...c.split(xs))),
    vjp: {
      fwd: (xs) => {
        const [y, res] = rules.fwd(...c.split(xs))
        residualShape = res
        const r = res === null || res === undefined ? [] : leavesOf(op, res)
        return [c.flatOut(y), r]
      },
      bwd: (residuals, cts) => {
        const res = (residualShape === null || residualShape === undefined ? residualShape : rebuild(residualShape, residuals)) as R
        const gs = rules.bwd(res, c.rebuildOut(cts)) as readonly unknown[]
        if (!Array.isArray(gs) || gs.length !== args.length) throw new TensorError(op, `bwd must return one cotangent per argument (${args.length}), got ${Array.isArray(gs) ? gs.length : typeof gs}`)
        return gs.flatMap((g, i) => (g === null ? leavesOf(op, args[i] as object).map(() => null) : leavesOf(op, g as object)))
      },
    },
  }
  return c.rebuildOut(bindCustom(call, c.flat))
}

/**
 * A function with its own forward-mode rule, as `jax.custom_jvp`: `rule`
 * gives the output and its tangent from the arguments and their tangents.
 * `jvp` uses it directly; `grad` and `vjp` use its transpose (the rule is
 * linear in the tangents, and its pullback is computed by reverse mode over
 * the rule's own ops), so both modes, `vmap` and every order work.
 * @example
 * import { customJvp, grad, abs, add, exp, log1p, maximum, mul, neg, sigmoid, sum, tensor, type Tensor } from 'grad-ts'
 * // log(1 + eˣ), finite everywhere, with the derivative σ(x): no ∞/∞ at x = 1000, and 1/2 at 0
 * // (the formula's own derivative would split the kink of maximum at 0).
 * const softplus = (x: Tensor) => add(maximum(x, 0), log1p(exp(neg(abs(x)))))
 * const log1pexp = customJvp(softplus, (x: Tensor, t: Tensor) => [softplus(x), mul(t, sigmoid(x))] as const)
 * const g = grad((x: Tensor) => sum(log1pexp(x)))(tensor([1000, 0, -1000], 'float64'))
 * console.assert(g.toTypedArray().join() === '1,0.5,0')
 * @since 0.2.0
 */
export const customJvp = <A extends readonly unknown[], Y extends TreeLike<Y>>(
  f: (...args: A) => Y,
  rule: (...primalsThenTangents: [...A, ...A]) => readonly [Y, Y],
): ((...args: A) => Y) => (...args: A): Y => {
  const op = f.name === '' ? 'customJvp' : `customJvp(${f.name})`
  const c = flatCall<A, Y>(op, args)
  const call: CustomCall = {
    name: op,
    fun: (xs) => c.flatOut(f(...c.split(xs))),
    jvp: (xs, ts) => {
      const [y, t] = rule(...c.split(xs), ...c.split(ts))
      return [c.flatOut(y), leavesOf(op, t)]
    },
  }
  return c.rebuildOut(bindCustom(call, c.flat))
}

/** What a user primitive's rules see: the primal inputs, the primal output and the params. @since 0.2.0 */
export interface PrimitiveCtx<P> {
  readonly inputs: readonly Tensor[]
  readonly out: Tensor
  readonly params: P
}

/**
 * A primitive defined outside grad-ts, with every rule the built-in ones
 * have — the types require each. Rules are written with grad-ts's ops (so
 * derivatives of every order come free); `impl` is the kernel: it gets copies
 * of the inputs' elements (row-major typed arrays) and returns the output's.
 * @since 0.2.0
 */
export interface PrimitiveDef<P> {
  /** Its name in graphs and messages. */
  readonly name: string
  /** The output's shape and dtype from the inputs' (throw a TensorError for inputs it cannot take). */
  readonly abstractEval: (inputs: readonly Aval[], params: P) => Aval
  /** The kernel: the output's elements from copies of the inputs' elements. */
  readonly impl: (inputs: readonly TypedArray[], params: P, out: Aval) => ArrayLike<number>
  /** The cotangent of input `i` from the output's cotangent `g`, or `null`: the output is a constant to every derivative. */
  readonly vjp: ((g: Tensor, ctx: PrimitiveCtx<P>, i: number) => Tensor) | null
  /** The output's tangent from the inputs' tangents (`null` = zero), or `null` as for `vjp`. */
  readonly jvp: ((tangents: readonly (Tensor | null)[], ctx: PrimitiveCtx<P>) => Tensor) | null
  /** The batched output and its batch axis from inputs with batch axes `dims` (`null` = unbatched). */
  readonly batch: (args: readonly Tensor[], dims: readonly (number | null)[], params: P) => readonly [Tensor, number | null]
}

/** A primitive's function: applies it to its inputs with its params. @since 0.2.0 */
export type Primitive<P> = (inputs: readonly Tensor[], params: P) => Tensor

/**
 * Adds a primitive: the function it returns binds it, so every
 * transformation sees one application and asks its rule — exactly as for the
 * built-in primitives. `primitiveLaws` in `grad-ts/laws` checks a definition's
 * rules against finite differences, each other and the loop over slices.
 * @example
 * import { definePrimitive, grad, vmap, mul, sum, tensor, type Primitive, type Tensor } from 'grad-ts'
 * const cube: Primitive<undefined> = definePrimitive({
 *   name: 'cube',
 *   abstractEval: ([x]) => x!,
 *   impl: ([x]) => x!.map((v) => v * v * v),
 *   vjp: (g, { inputs: [x] }) => mul(g, mul(mul(x!, x!), 3)),
 *   jvp: ([t], { inputs: [x] }) => mul(t!, mul(mul(x!, x!), 3)),
 *   batch: ([x], [d]) => [cube([x!], undefined), d!],
 * })
 * const x = tensor([1, 2])
 * console.assert(cube([x], undefined).toTypedArray().join() === '1,8')
 * console.assert(grad((v: Tensor) => sum(cube([v], undefined)))(x).toTypedArray().join() === '3,12')
 * console.assert(vmap((v: Tensor) => cube([v], undefined))(tensor([[1], [2]])).toTypedArray().join() === '1,8')
 * @since 0.2.0
 */
export const definePrimitive = <P = undefined>(def: PrimitiveDef<P>): Primitive<P> => {
  const op = 'definePrimitive'
  if (typeof def.name !== 'string' || def.name === '') throw new TensorError(op, 'a primitive needs a non-empty name')
  for (const k of ['abstractEval', 'impl', 'batch'] as const) if (typeof def[k] !== 'function') throw new TensorError(op, `${def.name}: ${k} must be a function`)
  for (const k of ['vjp', 'jvp'] as const) if (def[k] !== null && typeof def[k] !== 'function') throw new TensorError(op, `${def.name}: ${k} must be a function or null`)
  const rules = {
    name: def.name,
    abstractEval: (ins: readonly Aval[], p: unknown) => {
      const out = def.abstractEval(ins, p as P)
      checkShape(def.name, out.shape)
      return { shape: out.shape, dtype: out.dtype }
    },
    impl: (ins: readonly ArrayLike<number>[], p: unknown, out: Aval) => def.impl(ins as readonly TypedArray[], p as P, out),
    vjp: def.vjp === null ? null : (g: Tensor, ctx: UserCtx, i: number) => def.vjp!(g, ctx as PrimitiveCtx<P>, i),
    jvp: def.jvp === null ? null : (ts: readonly (Tensor | null)[], ctx: UserCtx) => def.jvp!(ts, ctx as PrimitiveCtx<P>),
    batch: (xs: readonly Tensor[], ds: readonly (number | null)[], p: unknown) => def.batch(xs, ds, p as P),
  }
  return (inputs, params) => {
    if (!Array.isArray(inputs)) throw new TensorError(def.name, `inputs must be an array of tensors, got ${typeof inputs}`)
    inputs.forEach((x, i) => tensorArg(def.name, `inputs[${i}]`, x))
    return bind('user', inputs, { rules, params })
  }
}
