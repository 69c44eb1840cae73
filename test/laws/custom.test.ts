/**
 * The laws of rules users write: customVjp/customJvp rules against finite
 * differences where they are meant to be derivatives (and under vmap), and
 * user-defined primitives against every law the built-in ones satisfy —
 * gradient laws at orders 1 and 2, the vmap laws, the evalShape law. Each law
 * is also shown failing on a rule written wrong.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type PrimitiveCase,
  checkPrimitive,
  customJvpCheck,
  customJvpLaw,
  customJvpProperty,
  customVjpCheck,
  customVjpLaw,
  customVjpProperty,
  primitiveLaws,
} from '../../laws/index.js'
import { broadcastShapesArb, shapeArb, tensorArb, tensorsArb } from '../../laws/arbitraries.js'
import { TensorError } from '../../src/core/errors.js'
import { type Tensor, tensor } from '../../src/core/tensor.js'
import * as T from '../../src/ad/index.js'

const RUNS = { numRuns: 50 }
const small = shapeArb({ maxRank: 3, maxDim: 3, maxSize: 12 })

/** The message of the law that made a property fail (fast-check keeps it as the error's cause). */
const failure = <Ts extends unknown[]>(property: fc.IProperty<Ts>): string => {
  try {
    fc.assert(property, { numRuns: 50, seed: 11 })
  } catch (e) {
    const cause = (e as Error).cause
    return cause instanceof Error ? cause.message : String(e)
  }
  return 'no failure'
}

// ---------------------------------------------------------------- customVjp and customJvp

const clipG = (g: Tensor, c: number) => T.where(T.greater(g, c), c, T.where(T.less(g, -c), -c, g))
/** x ↦ x·w (elementwise) whose cotangent is clipped to [−c, c]: the true derivative where |g·w| ≤ c. */
const clippedScale = (c: number) => T.customVjp((p: { x: Tensor; w: Tensor }) => T.mul(p.x, p.w), {
  fwd: (p: { x: Tensor; w: Tensor }) => [T.mul(p.x, p.w), p] as const,
  bwd: (p: { x: Tensor; w: Tensor }, g: Tensor) => [{ x: T.sumTo(clipG(T.mul(g, p.w), c), p.x.shape), w: T.sumTo(clipG(T.mul(g, p.x), c), p.w.shape) }] as const,
})
/** A straight-through estimator: sign forward, the identity backward. */
const ste = T.customVjp((x: Tensor) => T.sign(x), { fwd: (x: Tensor) => [T.sign(x), null] as const, bwd: (_: null, g: Tensor) => [g] as const })
/** x³ with a hand-written VJP that is itself differentiable (so order 2 holds). */
const cube = T.customVjp((x: Tensor) => T.mul(T.mul(x, x), x), {
  fwd: (x: Tensor) => [T.mul(T.mul(x, x), x), x] as const,
  bwd: (x: Tensor, g: Tensor) => [T.mul(g, T.mul(T.mul(x, x), 3))] as const,
})
/** log(1 + eˣ) with the derivative σ(x) computed stably. */
const log1pexp = T.customJvp((x: Tensor) => T.log1p(T.exp(x)), (x: Tensor, t: Tensor) => [T.log1p(T.exp(x)), T.mul(t, T.sigmoid(x))] as const)
/** a·b whose JVP forgets b's tangent. */
const forgetful = T.customJvp((p: { a: Tensor; b: Tensor }) => T.mul(p.a, p.b), (p: { a: Tensor; b: Tensor }, t: { a: Tensor; b: Tensor }) => [T.mul(p.a, p.b), T.mul(t.a, p.b)] as const)

describe('custom rules agree with finite differences where they are meant to, and under vmap', () => {
  const pair = broadcastShapesArb(2, { maxRank: 2, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(tensorArb(sa!, { min: -1, max: 1 }), tensorArb(sb!, { min: -1, max: 1 }))).map(([x, w]) => ({ x, w }))

  it('gradient clipping where it does not bind (|g·w| far below the bound): the clipped cotangent is the derivative', () => {
    // With |x|, |w| ≤ 1 and clip bound 100, clipping never binds on the laws' standard normal cotangents (|c| < 100 always in practice).
    fc.assert(customVjpProperty(clippedScale(100), pair, { order: 2 }), RUNS)
  })

  it('x³ with a differentiable bwd: orders 1 and 2, and vmap inside and outside grad', () => {
    fc.assert(customVjpProperty(cube, small.chain((s) => tensorArb(s))), RUNS)
    fc.assert(customVjpProperty(cube, small.chain((s) => tensorArb(s)), { order: 2, vmap: false }), RUNS)
  })

  it('a stable log1pexp: both modes, orders 1 and 2, and vmap with jvp and grad', () => {
    fc.assert(customJvpProperty(log1pexp, small.chain((s) => tensorArb(s, { min: -4, max: 4 })), { order: 2 }), RUNS)
    expect(customJvpLaw(log1pexp, tensor([-30, 0, 30], 'float64'), { order: 2 })).toBe(true)
  })

  it('fail: a straight-through estimator is no derivative; a clipped cotangent is none outside the band', () => {
    expect(customVjpLaw(ste, tensor([0.5, -2], 'float64'))).toBe(false)
    expect(failure(customVjpProperty(ste, tensorArb([3], { avoid: [0] })))).toMatch(/reverse mode ≈ finite differences fails/)
    const p = { x: tensor([3, -2], 'float64'), w: tensor([2, 1], 'float64') }
    expect(customVjpLaw(clippedScale(0.01), p)).toBe(false)
    expect(customVjpLaw(clippedScale(100), p, { order: 2 })).toBe(true)
  })

  it('fail: a JVP that forgets a tangent fails forward mode, its transpose and the adjoint identity', () => {
    const x = { a: tensor([0.5, 2], 'float64'), b: tensor([-1, 3], 'float64') }
    const checks = customJvpCheck(forgetful, x)
    expect(checks.map((c) => c.ok)).toEqual([false, false, true]) // the rule and its transpose agree with each other, not with f
    expect(failure(customJvpProperty(forgetful, fc.tuple(tensorArb([2]), tensorArb([2])).map(([a, b]) => ({ a, b }))))).toMatch(/finite differences fails/)
  })

  it('a customVjp is checked in reverse mode only (its forward mode is an error), a customJvp in both', () => {
    expect(customVjpCheck(cube, tensor([1, 2], 'float64')).map((c) => c.law)).toEqual(['f: reverse mode ≈ finite differences'])
    expect(customJvpCheck(log1pexp, tensor([1, 2], 'float64')).map((c) => c.law)).toEqual(['f: forward mode ≈ finite differences', 'f: reverse mode ≈ finite differences', 'f: adjoint ⟨Jt, c⟩ = ⟨t, Jᵀc⟩'])
  })
})

// ---------------------------------------------------------------- user primitives

type BatchRule = T.PrimitiveDef<undefined>['batch']
/** Each batched operand with its batch axis in front; unbatched ones broadcast to the batch. */
const frontAll = (xs: readonly Tensor[], ds: readonly (number | null)[]): { xs: Tensor[]; size: number } => {
  const size = xs.find((_, i) => ds[i] !== null)!.shape[ds.find((d) => d !== null)!]!
  return {
    size,
    xs: xs.map((x, i) => {
      const d = ds[i]!
      return ds[i] === null ? T.broadcastTo(x, [size, ...x.shape]) : T.transpose(x, [d, ...x.shape.map((_, k) => k).filter((k) => k !== d)])
    }),
  }
}

/** √(a² + b²) of two tensors of one shape, every rule written with grad-ts's ops; the batch rule as given. */
const hypotDef = (name: string, batch: (self: T.Primitive<undefined>) => BatchRule, vjp: T.PrimitiveDef<undefined>['vjp'] = (g, { inputs, out }, i) => T.mul(g, T.div(inputs[i]!, out))): T.PrimitiveDef<undefined> => {
  const def: T.PrimitiveDef<undefined> = {
    name,
    abstractEval: ([a, b]) => {
      if (a!.shape.join() !== b!.shape.join() || a!.dtype !== b!.dtype) throw new TensorError(name, 'needs two tensors of one shape and dtype')
      return a!
    },
    impl: ([a, b]) => a!.map((v, k) => Math.hypot(v, b![k]!)),
    vjp,
    jvp: ([ta = null, tb = null], { inputs: [a, b], out }) => T.div(T.add(ta === null ? 0 : T.mul(ta, a!), tb === null ? 0 : T.mul(tb, b!)), out),
    batch: (xs, ds, params) => batch(self)(xs, ds, params),
  }
  const self = T.definePrimitive(def)
  return def
}
const goodBatch = (self: T.Primitive<undefined>): BatchRule => (xs, ds) => [self(frontAll(xs, ds).xs, undefined), 0]
const hypot = hypotDef('hypot', goodBatch)
/** The batch rule forgets to broadcast a shared operand when the other is batched on axis 0. */
const hypotBadBatch = hypotDef('hypotBadBatch', (self) => (xs, ds) => (ds.every((d) => d === 0) ? [self(xs, undefined), 0] : [self(frontAll(xs, ds).xs, undefined), ds[0] === null ? 0 : 1]))
/** The VJP forgets to divide by the output. */
const hypotBadVjp = hypotDef('hypotBadVjp', goodBatch, (g, { inputs }, i) => T.mul(g, inputs[i]!))
/** The batch rule reads elements (it works on values, not under evalShape). */
const hypotPeeks = hypotDef('hypotPeeks', (self) => (xs, ds) => {
  const front = frontAll(xs, ds).xs
  void front[0]!.toTypedArray()
  return [self(front, undefined), 0]
})

/** Rows of x at int32 indices, scaled: an integer input, params, and a batch rule written with vmap of built-in ops. */
const takeRows: T.PrimitiveDef<{ readonly scale: number }> = {
  name: 'takeRows',
  abstractEval: ([x, i]) => ({ shape: [...i!.shape, ...x!.shape.slice(1)], dtype: x!.dtype }),
  impl: ([x, i], { scale }, out) => {
    const n = out.shape.reduce((a, b) => a * b, 1)
    const per = i!.length === 0 ? 1 : n / i!.length
    return Array.from({ length: n }, (_, k) => x![i![Math.floor(k / per)]! * per + (k % per)]! * scale)
  },
  vjp: (g, { inputs: [x, i], params: { scale } }) => T.mul(T.scatterAdd(g, i!, { axis: 0, size: x!.shape[0]! }), scale),
  jvp: ([t], { inputs: [, i], params: { scale } }) => T.mul(T.gather(t!, i!, { axis: 0 }), scale),
  batch: ([x, i], [dx, di], { scale }) => [T.vmap((xb: Tensor, ib: Tensor) => T.mul(T.gather(xb, ib, { axis: 0 }), scale), { inAxes: [dx!, di!] })(x!, i!), 0],
}
/** ⌊x⌋: no derivative rules, so a constant to both modes. */
const floorDef: T.PrimitiveDef<undefined> = {
  name: 'floor',
  abstractEval: ([x]) => x!,
  impl: ([x]) => x!.map(Math.floor),
  vjp: null,
  jvp: null,
  batch: ([x], [d]) => [floorP([x!], undefined), d!],
}
const floorP = T.definePrimitive(floorDef)

describe('a user primitive satisfies the laws of the built-in ones', () => {
  const same = small.chain((s) => tensorsArb([s, s], { min: 0.5, max: 2 })).map(([a, b]) => ({ inputs: [a!, b!], params: undefined }))

  it('a binary primitive with every rule: gradients to order 2, its batch rule against the loop (operands batched or shared), evalShape', () => {
    fc.assert(primitiveLaws(hypot, same), RUNS)
    fc.assert(primitiveLaws(T.definePrimitive(hypot), same, { exact: true }), RUNS)
  })

  it('an integer input and params: gradients with respect to the float input, vmap with batched indices', () => {
    const cases: fc.Arbitrary<PrimitiveCase<{ readonly scale: number }>> = fc.tuple(shapeArb({ minRank: 1, maxRank: 2, minDim: 1, maxDim: 3 }), shapeArb({ maxRank: 2, maxDim: 3 }), fc.double({ min: -2, max: 2, noNaN: true }))
      .chain(([s, is, scale]) => fc.tuple(tensorArb(s), tensorArb(is, { dtype: 'int32', min: 0, max: s[0]! - 1 })).map(([x, i]) => ({ inputs: [x, i], params: { scale } })))
    fc.assert(primitiveLaws(takeRows, cases), RUNS)
  })

  it('no derivative rules: the output is a constant to jvp and vjp', () => {
    fc.assert(primitiveLaws(floorDef, small.chain((s) => tensorArb(s, { min: -3, max: 3 })).map((x) => ({ inputs: [x], params: undefined }))), RUNS)
    expect(checkPrimitive(floorDef, { inputs: [tensor([0.5, -1.5], 'float64')], params: undefined }).map((c) => [c.law, c.ok])).toEqual([
      ['evalShape(f) = the avals of f(x)', true],
      ['no derivative rule: the output is a constant to jvp and vjp', true],
    ])
  })

  it('fail: a wrong batch rule fails the vmap law; a wrong VJP the gradient laws; a batch rule that reads elements vmap of vmap and evalShape', () => {
    expect(failure(primitiveLaws(hypotBadBatch, same))).toMatch(/^vmap/)
    expect(failure(primitiveLaws(hypotBadVjp, same))).toMatch(/reverse mode ≈ finite differences fails|adjoint/)
    // Reading elements works on one vmap's concrete batch, not under an outer vmap or evalShape: both laws say so.
    expect(failure(primitiveLaws(hypotPeeks, same))).toMatch(/^vmap\(vmap\(f\)\) = the double loop fails at the transformed function threw/)
    expect(failure(primitiveLaws(hypotPeeks, same, { nested: false }))).toMatch(/evalShape\(f\) = the avals of f\(x\) fails at evalShape threw/)
    // A function alone is taken to have both rules: a primitive of 3x without any then fails the gradient laws.
    const triple: T.Primitive<undefined> = T.definePrimitive({ ...floorDef, name: 'tripleWithoutRules', impl: ([x]) => x!.map((v) => 3 * v), batch: ([x], [d]) => [triple([x!], undefined), d!] })
    const xs = small.chain((s) => tensorArb(s)).filter((x) => x.size > 0).map((x) => ({ inputs: [x], params: undefined }))
    expect(failure(primitiveLaws(triple, xs))).toMatch(/finite differences fails/)
    expect(failure(primitiveLaws(triple, xs, { differentiable: false }))).toBe('no failure')
  })
})
