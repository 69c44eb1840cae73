/**
 * The batching interpreter (vmap): a tracer carries a value one level down
 * with an extra axis — the batch axis — and each primitive runs once over the
 * whole batch through its batching rule. A value without a batch axis is not
 * a tracer: ops on such values only run as they are.
 */
import type { Aval } from '../../core/aval.js'
import { TensorError } from '../../core/errors.js'
import { type Tensor, zeros } from '../../core/tensor.js'
import { type Args, type ParamsOf, type Prim, abstractEval, nameOf } from '../primitives.js'
import { batchRules, moveToFront } from '../rules/batching.js'
import { sum } from '../ops/reduce.js'
import { type CustomCall, Interpreter, bind, bindCustom, checkRuleOutput, traced, within } from '../trace.js'

/** @internal */
export interface BatchTracer {
  readonly main: BatchInterpreter
  /** The value one level down, with the batch axis. */
  readonly val: Tensor
  /** Where the batch axis is in `val`. */
  readonly bdim: number
}

/** One `vmap` call over a batch of `size`. @internal */
export class BatchInterpreter extends Interpreter {
  constructor(readonly name: string, readonly size: number) {
    super()
  }
  private mine(x: Tensor): BatchTracer | undefined {
    return this.own(x) as BatchTracer | undefined
  }


  /** A tracer standing for the slices of `val` along axis `bdim`. */
  lift(val: Tensor, bdim: number): Tensor {
    const shape = val.shape.filter((_, i) => i !== bdim)
    const t: BatchTracer = { main: this, val, bdim }
    return traced({ shape: Object.freeze(shape), dtype: val.dtype }, t)
  }

  valOf(x: Tensor): Tensor {
    return this.mine(x)?.val ?? x
  }

  dimOf(x: Tensor): number | null {
    return this.mine(x)?.bdim ?? null
  }

  process<P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor {
    const xs = args as readonly Tensor[]
    const dims = xs.map((x) => this.dimOf(x))
    const vals = xs.map((x) => this.valOf(x)) as unknown as Args<P, Tensor>
    if (dims.every((d) => d === null)) return bind(prim, vals, params)
    const [out, d] = batchRules[prim](vals, dims as unknown as Args<P, number | null>, params, this.size)
    // As the jvp and vjp interpreters do: a rule must give its op's output, one slice per batch element.
    const name = nameOf(prim, params)
    const logical = xs.map((x): Aval => ({ shape: x.shape, dtype: x.dtype })) as unknown as Args<P, Aval>
    if (d !== null && (!Number.isInteger(d) || d < 0 || d >= out.rank || out.shape[d] !== this.size)) {
      throw new TensorError(name, `batch rule returned ${out.dtype}[${out.shape.join(',')}] with batch axis ${d}, expected an axis of size ${this.size}`)
    }
    checkRuleOutput('batch', name, d === null ? out : { shape: out.shape.filter((_, i) => i !== d), dtype: out.dtype }, abstractEval[prim](logical, params))
    return d === null ? out : this.lift(out, d)
  }

  processCustom(call: CustomCall, args: readonly Tensor[]): readonly Tensor[] {
    const dims = args.map((x) => this.dimOf(x))
    const vals = args.map((x) => this.valOf(x))
    if (dims.every((d) => d === null)) return bindCustom(call, vals)
    const { size, name } = this
    // One level down, the same call over the whole batch: each of its functions vmapped, every
    // output (and residual) batched on axis 0; cotangents of unbatched inputs summed over the batch.
    const batched: CustomCall = {
      name: call.name,
      fun: (xs) => batchFlat(name, call.fun, xs, dims, size),
      ...(call.vjp === undefined ? {} : {
        vjp: {
          fwd: (xs: readonly Tensor[]) => {
            let outCount = 0
            const both = batchFlat(name, (ys) => {
              const [outs, res] = call.vjp!.fwd(ys)
              outCount = outs.length
              return [...outs, ...res]
            }, xs, dims, size)
            return [both.slice(0, outCount), both.slice(outCount)] as const
          },
          bwd: (res: readonly Tensor[], cts: readonly Tensor[]) => {
            // An input's zero cotangent has its logical shape (the value without its batch axis).
            const zeroFor = (i: number): Tensor => zeros(vals[i]!.shape.filter((_, k) => k !== dims[i]), vals[i]!.dtype)
            const gs = batchFlat(name, (rc) => call.vjp!.bwd(rc.slice(0, res.length), rc.slice(res.length)).map((g, i) => g ?? zeroFor(i)), [...res, ...cts], [...res, ...cts].map(() => 0), size)
            return gs.map((g, i) => (dims[i] === null ? sum(g, { axis: 0 }) : moveFrom(g, dims[i]!)))
          },
        },
      }),
      ...(call.jvp === undefined ? {} : {
        jvp: (xs: readonly Tensor[], ts: readonly Tensor[]) => {
          let outCount = 0
          const both = batchFlat(name, (zs) => {
            const [outs, touts] = call.jvp!(zs.slice(0, xs.length), zs.slice(xs.length))
            outCount = outs.length
            return [...outs, ...touts]
          }, [...xs, ...ts], [...dims, ...dims], size)
          return [both.slice(0, outCount), both.slice(outCount)] as const
        },
      }),
    }
    return bindCustom(batched, vals).map((y) => this.lift(y, 0))
  }

  concrete(): undefined {
    return undefined
  }
}

/** `g` with its leading batch axis moved to axis `d`. */
const moveFrom = (g: Tensor, d: number): Tensor => {
  if (d === 0) return g
  const perm = g.shape.map((_, i) => i).slice(1)
  perm.splice(d, 0, 0)
  return bind('transpose', [g], { perm })
}

/**
 * Runs `f` over a batch of `size`: the inputs `xs` are batched along `dims`
 * (`null`: the same for every slice). Each output comes back with its batch
 * axis, or `null` when it does not depend on the batch. The core of `vmap`.
 * @internal
 */
export const batchRaw = (
  name: string,
  f: (xs: readonly Tensor[]) => readonly Tensor[],
  xs: readonly Tensor[],
  dims: readonly (number | null)[],
  size: number,
): (readonly [Tensor, number | null])[] => {
  const main = new BatchInterpreter(name, size)
  const ys = within(main, () => f(xs.map((x, i) => (dims[i] === null ? x : main.lift(x, dims[i]!)))))
  return ys.map((y) => [main.valOf(y), main.dimOf(y)] as const)
}

/** {@link batchRaw} with every output batched along axis 0 (outputs that do not depend on the batch are broadcast). @internal */
export const batchFlat = (
  name: string,
  f: (xs: readonly Tensor[]) => readonly Tensor[],
  xs: readonly Tensor[],
  dims: readonly (number | null)[],
  size: number,
): Tensor[] => batchRaw(name, f, xs, dims, size).map(([y, d]) => moveToFront(y, d, size))
