/**
 * The staging interpreter: runs a function on abstract values and records
 * what it does as a list of equations — the immutable graph that `trace`
 * prints, that `evalShape` reads its output avals from, and that `jit` will
 * compile. No kernel runs: every equation's output aval comes from the
 * primitive's abstract evaluation. While it runs, it is the dynamic
 * interpreter, so ops on constants are recorded too (JAX's omnistaging).
 */
import type { Aval } from '../../core/aval.js'
import type { Tensor } from '../../core/tensor.js'
import { type Args, type ParamsOf, type Prim, abstractEval } from '../primitives.js'
import { type CustomCall, Interpreter, traced, within } from '../trace.js'

/** A value of a staged graph: an input or an equation's output. @internal */
export interface Var {
  readonly id: number
  readonly aval: Aval
}

/** An argument of an equation: a variable of the graph, or a constant it closes over. @internal */
export type Atom = { readonly kind: 'var'; readonly v: Var } | { readonly kind: 'const'; readonly value: Tensor }

/** One primitive application. @internal */
export interface Eqn {
  readonly prim: Prim
  readonly params: unknown
  readonly inputs: readonly Atom[]
  readonly out: Var
}

/** A staged function: its input variables, its equations in order, and its outputs. @internal */
export interface Staged {
  readonly inputs: readonly Var[]
  readonly eqns: readonly Eqn[]
  readonly outputs: readonly Atom[]
}

interface StageTracer {
  readonly main: StageInterpreter
  readonly v: Var
}

/** One staging run (`evalShape`, `trace`). @internal */
export class StageInterpreter extends Interpreter {
  private vars = 0
  readonly eqns: Eqn[] = []
  constructor(readonly name: string) {
    super()
  }
  private mine(x: Tensor): StageTracer | undefined {
    return this.own(x) as StageTracer | undefined
  }


  private newVar(aval: Aval): Var {
    return { id: this.vars++, aval: { shape: aval.shape, dtype: aval.dtype } }
  }

  /** A fresh input variable of aval `a`, as a traced tensor. */
  input(a: Aval): readonly [Var, Tensor] {
    const v = this.newVar(a)
    const t: StageTracer = { main: this, v }
    return [v, traced(a, t)]
  }

  /** The atom for `x`: its variable, or a constant (a concrete tensor, or a value of an outer transformation). */
  atomOf(x: Tensor): Atom {
    const t = this.mine(x)
    return t === undefined ? { kind: 'const', value: x } : { kind: 'var', v: t.v }
  }

  process<P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor {
    const out = this.newVar(abstractEval[prim](args, params))
    this.eqns.push({ prim, params, inputs: (args as readonly Tensor[]).map((x) => this.atomOf(x)), out })
    const t: StageTracer = { main: this, v: out }
    return traced(out.aval, t)
  }

  processCustom(call: CustomCall, args: readonly Tensor[]): readonly Tensor[] {
    // Staging inlines the function; its custom rules matter only to the AD interpreters.
    return call.fun(args)
  }

  concrete(): undefined {
    return undefined
  }
}

/** Stages `f` on inputs of the given avals. @internal */
export const stage = (name: string, f: (xs: readonly Tensor[]) => readonly Tensor[], avals: readonly Aval[]): Staged => {
  const main = new StageInterpreter(name)
  const ins = avals.map((a) => main.input(a))
  const ys = within(main, () => f(ins.map(([, t]) => t)), true)
  return { inputs: ins.map(([v]) => v), eqns: main.eqns, outputs: ys.map((y) => main.atomOf(y)) }
}
