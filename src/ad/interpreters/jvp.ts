/**
 * The forward-mode interpreter: a tracer carries a primal and its tangent;
 * each primitive computes its primal one level down and its tangent by its
 * JVP rule (a known-zero tangent is `null`, never materialised).
 */
import { isFloat } from '../../core/dtype.js'
import { TensorError } from '../../core/errors.js'
import { type Tensor, zeros } from '../../core/tensor.js'
import { type Args, type ParamsOf, type Prim, nameOf } from '../primitives.js'
import { jvpRuleOf } from '../rules/derivatives.js'
import { type CustomCall, Interpreter, bind, checkRuleOutput, traced } from '../trace.js'

/** @internal */
export interface JvpTracer {
  readonly main: JvpInterpreter
  readonly primal: Tensor
  readonly tangent: Tensor
}

/** One `jvp` call. @internal */
export class JvpInterpreter extends Interpreter {
  constructor(readonly name: string) {
    super()
  }
  private mine(x: Tensor): JvpTracer | undefined {
    return this.own(x) as JvpTracer | undefined
  }


  /** A tracer of this call for `primal` with `tangent`. */
  lift(primal: Tensor, tangent: Tensor): Tensor {
    const t: JvpTracer = { main: this, primal, tangent }
    return traced(primal, t)
  }

  primalOf(x: Tensor): Tensor {
    return this.mine(x)?.primal ?? x
  }

  tangentOf(x: Tensor): Tensor | null {
    return this.mine(x)?.tangent ?? null
  }

  process<P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor {
    const xs = args as readonly Tensor[]
    const primals = xs.map((x) => this.primalOf(x)) as unknown as Args<P, Tensor>
    const out = bind(prim, primals, params)
    const rule = jvpRuleOf(prim, params)
    if (rule === null || !isFloat(out.dtype)) return out
    const tangents = xs.map((x) => this.tangentOf(x)) as unknown as Args<P, Tensor | null>
    const tangent = rule(tangents, { inputs: primals, out, params })
    checkRuleOutput('jvp', nameOf(prim, params), tangent, out)
    return this.lift(out, tangent)
  }

  processCustom(call: CustomCall, args: readonly Tensor[]): readonly Tensor[] {
    if (call.jvp === undefined) throw new TensorError(call.name, `cannot be differentiated in forward mode (${this.name}): it has only a custom VJP rule, as a jax.custom_vjp function`)
    const primals = args.map((x) => this.primalOf(x))
    const tangents = args.map((x, i) => this.tangentOf(x) ?? zeros(primals[i]!.shape, primals[i]!.dtype))
    const [outs, touts] = call.jvp(primals, tangents)
    return outs.map((o, i) => {
      if (!isFloat(o.dtype)) return o
      const t = touts[i] ?? zeros(o.shape, o.dtype)
      checkRuleOutput('custom jvp', call.name, t, o)
      return this.lift(o, t)
    })
  }

  concrete(x: Tensor): Tensor {
    return this.mine(x)!.primal
  }
}

