/**
 * Interpreters and `bind`, after JAX's autodidax. Every op ends in
 * `bind(prim, args, params)`, which finds the innermost running
 * transformation among its arguments (the highest level; the dynamic
 * interpreter — eval, or a staging interpreter — when none of them is traced)
 * and hands it the primitive. `bind` knows no transformation by name: eval,
 * jvp, vjp, batching (vmap) and staging are each an interpreter with its own
 * `process`.
 *
 * Levels only grow, and running transformations nest, so the innermost one
 * always has the highest level; a tracer belongs to exactly one
 * transformation, and values of the others are constants to it — so
 * perturbations of different `grad` calls cannot be confused.
 */
import type { Aval } from '../core/aval.js'
import { fmtAval } from '../core/aval.js'
import { TensorError } from '../core/errors.js'
import { checkSize, shapeEq } from '../core/shape.js'
import { Tensor, type TraceMain, type Tracer } from '../core/tensor.js'
import { backend } from '../backend/backend.js'
import { type Args, type ParamsOf, type Prim, abstractEval } from './primitives.js'

let levels = 0

/**
 * A function with derivative rules of its own (`customVjp`, `customJvp`),
 * applied to flat tensor arguments: each interpreter decides how to run it.
 * @internal
 */
export interface CustomCall {
  /** The public name, for messages (`customVjp`). */
  readonly name: string
  /** The function itself, on flat arguments; returns flat outputs. */
  readonly fun: (args: readonly Tensor[]) => readonly Tensor[]
  /**
   * Reverse mode, as `jax.custom_vjp`: `fwd` gives the outputs and residuals,
   * `bwd` maps residuals and output cotangents to argument cotangents (null = zero).
   */
  readonly vjp?: {
    readonly fwd: (args: readonly Tensor[]) => readonly [readonly Tensor[], readonly Tensor[]]
    readonly bwd: (residuals: readonly Tensor[], cts: readonly Tensor[]) => readonly (Tensor | null)[]
  }
  /** Forward mode, as `jax.custom_jvp`: outputs and output tangents from arguments and their tangents. */
  readonly jvp?: (args: readonly Tensor[], tangents: readonly Tensor[]) => readonly [readonly Tensor[], readonly Tensor[]]
}

/** One running transformation. @internal */
export abstract class Interpreter implements TraceMain {
  readonly level = ++levels
  active = true
  abstract readonly name: string
  abstract process<P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor
  abstract processCustom(call: CustomCall, args: readonly Tensor[]): readonly Tensor[]
  abstract concrete(x: Tensor): Tensor | undefined
  /** The tracer of `x` if it is this interpreter's. */
  own(x: Tensor): Tracer | undefined {
    return x.tracer?.main === this ? x.tracer : undefined
  }
}

/** The interpreter at the bottom: runs kernels on the backend. The only caller of `prepare`/`dispatch`. */
class EvalInterpreter extends Interpreter {
  readonly name = 'eval'
  process<P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor {
    const out = abstractEval[prim](args, params)
    checkSize(prim, out.shape)
    const b = backend()
    try {
      const kernel = b.prepare(prim, args as unknown as Args<P, Aval>, params, out)
      return new Tensor(out.shape, out.dtype, b.dispatch(kernel, (args as readonly Tensor[]).map((x) => x.storage!)))
    } catch (e) {
      // An engine out of memory throws a bare RangeError; the user gets the op and the size.
      if (e instanceof RangeError) throw new TensorError(prim, `cannot allocate the ${fmtAval(out)} result: ${e.message}`)
      throw e
    }
  }
  processCustom(call: CustomCall, args: readonly Tensor[]): readonly Tensor[] {
    return call.fun(args)
  }
  concrete(x: Tensor): Tensor {
    return x
  }
}

const evalInterpreter = new EvalInterpreter()
let dynamic: Interpreter = evalInterpreter

const topOf = (op: string, args: readonly Tensor[]): Interpreter => {
  let top = dynamic
  for (const x of args) {
    const m = x.tracer?.main as Interpreter | undefined
    if (m !== undefined && m.level > top.level) top = m
  }
  if (!top.active) throw new TensorError(op, `a traced value was used after its ${top.name} call returned (a leaked tracer)`)
  return top
}

/**
 * Applies a primitive: the one entry point of every op. The innermost
 * transformation among the arguments processes it.
 * @internal
 */
export const bind = <P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor => topOf(prim, args as readonly Tensor[]).process(prim, args, params)

/** Applies a function with custom derivative rules to flat arguments. @internal */
export const bindCustom = (call: CustomCall, args: readonly Tensor[]): readonly Tensor[] => topOf(call.name, args).processCustom(call, args)

/**
 * Runs `body` inside a new transformation made by `make`, closing it whatever
 * happens (a tracer that escapes is refused afterwards). With `asDynamic`,
 * every op in `body` goes to it even when none of its arguments is traced
 * (staging records constants' ops too).
 * @internal
 */
export const within = <I extends Interpreter, Y>(main: I, body: (main: I) => Y, asDynamic = false): Y => {
  const saved = dynamic
  if (asDynamic) dynamic = main
  try {
    return body(main)
  } finally {
    main.active = false
    dynamic = saved
  }
}

/** Asserts a rule produced what its op promised (a bug in a rule otherwise). @internal */
export const checkRuleOutput = (kind: string, prim: string, got: Aval, want: Aval): void => {
  if (!shapeEq(got.shape, want.shape) || got.dtype !== want.dtype) {
    throw new TensorError(prim, `${kind} rule returned ${fmtAval(got)}, expected ${fmtAval(want)}`)
  }
}

/** A traced tensor of `main`, standing for a value of aval `like`. @internal */
export const traced = (like: Aval, tracer: Tracer): Tensor => new Tensor(like.shape, like.dtype, undefined, tracer)
