import { test as fcTest } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { add, mul, norm, sub, tensor, type Tensor, type Tree, tree } from 'grad-ts'
import * as optim from '../../src/optim/index.js'
import {
  chainAssociativityProperty,
  gradientTransformationArb,
  momentumOptionsArb,
  momentumRecurrenceLaw,
  momentumRecurrenceProperty,
  optimProblemArb,
  sgdStepLaw,
  sgdStepProperty,
  stateNotMutatedLaw,
  stateNotMutatedProperty,
  statesEqual,
  transformIdentityLaw,
  transformIdentityProperty,
  treesEqual,
} from '../../laws/optim.js'
import { errorOf } from '../errors.js'

const vals = (t: Tensor): number[] => Array.from(t.toTypedArray())

describe('optimizer laws', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const problems = optimProblemArb({ dtype })
    const txs = gradientTransformationArb()
    it(`${dtype}: the identity transformation changes nothing`, () => {
      fc.assert(transformIdentityProperty(txs, problems), { numRuns: 100 })
    })
    it(`${dtype}: chain is associative, bit for bit`, () => {
      fc.assert(chainAssociativityProperty(txs, problems), { numRuns: 100 })
    })
    it(`${dtype}: an sgd step is w − ε·g exactly`, () => {
      fc.assert(sgdStepProperty(fc.double({ min: 0, max: 100, noNaN: true }), problems), { numRuns: 100 })
    })
    it(`${dtype}: state is never mutated`, () => {
      fc.assert(stateNotMutatedProperty(txs, problems), { numRuns: 100 })
    })
    it(`${dtype}: momentum matches the hand-unrolled recurrence`, () => {
      fc.assert(momentumRecurrenceProperty(momentumOptionsArb(), problems), { numRuns: 100 })
    })
  }

  fcTest.prop([optimProblemArb({ maxSteps: 3 })])('float32 parameters stay float32, in parameters and state', (problem) => {
    const train = optim.step(optim.chain(optim.addWeightDecay(0.01), optim.adam({ learningRate: 0.01 })))
    let params = problem.params
    let state = train.init(params)
    for (const g of problem.grads) [params, state] = train(params, state, g)
    expect(tree.leaves(params).every((l) => l.dtype === 'float32')).toBe(true)
    const [, [adamState]] = state
    expect(tree.leaves(adamState.mu).concat(tree.leaves(adamState.nu)).every((l) => l.dtype === 'float32')).toBe(true)
  })
})

describe('the optimizer laws can fail', () => {
  const problem = { params: { w: tensor([1, 2]) }, grads: [{ w: tensor([0.5, -1]) }, { w: tensor([2, 0.25]) }, { w: tensor([1, 1]) }] }

  it('a transformation that mutates its state breaks stateNotMutatedLaw', () => {
    const leaky: optim.GradientTransformation<{ history: number[] }> = {
      init: () => ({ history: [] }),
      update: (g, s) => {
        s.history.push(s.history.length)
        return [g, s]
      },
    }
    expect(stateNotMutatedLaw(leaky, problem)).toBe(false)
    expect(stateNotMutatedLaw(optim.momentum({ learningRate: 0.1, momentum: 0.9 }), problem)).toBe(true)
  })

  it('an sgd computed with other roundings breaks sgdStepLaw', () => {
    const params = { w: tensor([1, 2, 3, 0.7]) }
    const grads = { w: tensor([0.3, 0.1, 1 / 3, 0.9]) }
    // (w/ε − g)·ε is w − ε·g in exact arithmetic only.
    const sloppy = (w: Tensor, g: Tensor, e: number) => mul(sub(mul(w, 1 / e), g), e)
    const viaSloppy = sloppy(params.w, grads.w, 0.1)
    const viaStep = optim.step(optim.sgd(0.1))(params, optim.sgd(0.1).init(params), grads)[0].w
    expect(treesEqual(viaSloppy, viaStep)).toBe(false)
    expect(sgdStepLaw(0.1, params, grads)).toBe(true)
  })

  it('a different momentum form (Δ ← mΔ + (1 − m)g) breaks momentumRecurrenceLaw', () => {
    const damped: optim.MomentumOptions = { learningRate: 0.1, momentum: 0.5 }
    const tx = optim.chain(
      optim.trace({ decay: 0.5 }),
      optim.scale(0.5), // (1 − m)·Δ: not the paper's recurrence
      optim.scaleByLearningRate(0.1),
    )
    const run = (t: typeof tx) => {
      let p: Tree = problem.params
      let s = t.init(p)
      for (const g of problem.grads) [p, s] = optim.step(t)(p, s, g)
      return p
    }
    const ours = (() => {
      const train = optim.step(optim.momentum(damped))
      let p: Tree = problem.params
      let s = train.init(p)
      for (const g of problem.grads) [p, s] = train(p, s, g)
      return p
    })()
    expect(treesEqual(run(tx), ours)).toBe(false)
    expect(momentumRecurrenceLaw(damped, problem)).toBe(true)
  })

  it('statesEqual tells signed zeros and different leaves apart', () => {
    expect(statesEqual({ count: 1, v: tensor([0]) }, { count: 1, v: tensor([-0]) })).toBe(false)
    expect(statesEqual({ count: 1 }, { count: 2 })).toBe(false)
    expect(statesEqual([1, [2, 3]], [[1, 2], 3])).toBe(true)
  })
})

describe('known answers', () => {
  it('momentum, Δ ← mΔ + g, w ← w − εΔ, by hand (m = 0.5, ε = 0.25, exact in float32)', () => {
    // g = 1, 2, −4:  Δ = 1, 2.5, −2.75;  w = 1 − 0.25 = 0.75, 0.75 − 0.625 = 0.125, 0.125 + 0.6875 = 0.8125
    const train = optim.step(optim.momentum({ learningRate: 0.25, momentum: 0.5 }))
    let p = { w: tensor([1]) }
    let s = train.init(p)
    const ws: number[] = []
    const ds: number[] = []
    for (const g of [1, 2, -4]) {
      ;[p, s] = train(p, s, { w: tensor([g]) })
      ws.push(p.w.item())
      ds.push((s[0].velocity as { w: Tensor }).w.item())
    }
    expect(ds).toEqual([1, 2.5, -2.75])
    expect(ws).toEqual([0.75, 0.125, 0.8125])
    expect(s[0].count).toBe(3)
    expect(s[1].count).toBe(3)
  })

  it('Nesterov momentum: w ← w − ε(g + mΔ) with Δ already updated (Sutskever et al. 2013; optax trace)', () => {
    // m = 0.5, ε = 0.25, g = 1, 2:  Δ = 1, 2.5;  u = 1 + 0.5, 2 + 1.25;  w = 1 − 0.375 = 0.625, 0.625 − 0.8125 = −0.1875
    const train = optim.step(optim.momentum({ learningRate: 0.25, momentum: 0.5, nesterov: true }))
    let p = { w: tensor([1]) }
    let s = train.init(p)
    const ws: number[] = []
    for (const g of [1, 2]) {
      ;[p, s] = train(p, s, { w: tensor([g]) })
      ws.push(p.w.item())
    }
    expect(ws).toEqual([0.625, -0.1875])
  })

  it('adam, two steps by hand (Kingma & Ba 2015, Algorithm 1; optax scale_by_adam)', () => {
    // β₁ = 0.9, β₂ = 0.999, eps = 1e-8, α = 0.1; g₁ = 1, g₂ = −0.5.
    // t=1: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1 → Δw = −0.1·1/(1 + 1e-8)
    // t=2: m = 0.09 − 0.05 = 0.04, v = 0.000999 + 0.00025 = 0.001249,
    //      m̂ = 0.04/(1 − 0.81) = 0.04/0.19, v̂ = 0.001249/(1 − 0.998001) = 0.001249/0.001999
    const step1 = -0.1 * (1 / (1 + 1e-8))
    const step2 = -0.1 * ((0.04 / 0.19) / (Math.sqrt(0.001249 / 0.001999) + 1e-8))
    const train = optim.step(optim.adam({ learningRate: 0.1 }))
    let p = { w: tensor([2], 'float64') }
    let s = train.init(p)
    ;[p, s] = train(p, s, { w: tensor([1], 'float64') })
    expect(p.w.item()).toBeCloseTo(2 + step1, 14)
    ;[p, s] = train(p, s, { w: tensor([-0.5], 'float64') })
    expect(p.w.item()).toBeCloseTo(2 + step1 + step2, 14)
    expect(Math.abs(step2)).toBeCloseTo(0.0266337, 7) // ≈ α·0.210526/0.790451
    expect(s[0].count).toBe(2)
  })

  it('weight decay adds λ·w before the learning rate: w ← w − ε(g + λw)', () => {
    const train = optim.step(optim.chain(optim.addWeightDecay(0.5), optim.sgd(0.25)))
    const p = { w: tensor([2, -4]) }
    const [next] = train(p, train.init(p), { w: tensor([1, 0]) })
    expect(vals(next.w)).toEqual([2 - 0.25 * (1 + 1), -4 - 0.25 * (0 - 2)])
  })

  it('schedules: values and the step count in the state', () => {
    expect([0, 10000, 30000].map(optim.inverseTime(1, 10000))).toEqual([1, 0.5, 0.25])
    const ramp = optim.momentumRamp(0.5, 0.99, 100000)
    expect(ramp(0)).toBe(0.5)
    expect(ramp(100000)).toBeCloseTo(0.99 - 0.49 / Math.E, 15)
    expect(ramp(1e9)).toBeCloseTo(0.99, 15)
    expect([0, 1, 2, 3].map(optim.exponentialDecay(8, 1, 0.5))).toEqual([8, 4, 2, 1])
    expect(optim.exponentialDecay(1, 2, 0.25)(1)).toBe(0.5)
    expect(optim.constant(0.3)(123)).toBe(0.3)
    // Learning rate 1/(1 + t): the t-th update (from 0) is scaled by it.
    const train = optim.step(optim.sgd(optim.inverseTime(1, 1)))
    let p = { w: tensor([0], 'float64') }
    let s = train.init(p)
    const ws: number[] = []
    for (let t = 0; t < 3; t++) {
      ;[p, s] = train(p, s, { w: tensor([-1], 'float64') })
      ws.push(p.w.item())
    }
    expect(ws).toEqual([1, 1.5, 1.5 + 1 / 3])
  })

  it('the recipe in one expression: scheduled momentum, then max-norm 3 on weights only', () => {
    const train = optim.step(
      optim.momentum({ learningRate: optim.inverseTime(1, 1e4), momentum: optim.momentumRamp(0.5, 0.99, 1e5) }),
      optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 3 })),
    )
    const p0 = { layers: [{ w: tensor([[0, 0], [0, 0]], 'float64'), b: tensor([0, 0], 'float64') }] }
    const g = { layers: [{ w: tensor([[-30, -0.1], [-40, 0.2]], 'float64'), b: tensor([-40, 0], 'float64') }] }
    const [p1, s1] = train(p0, train.init(p0), g)
    const w = p1.layers[0]!.w
    expect(norm(w, { axis: 0 }).toTypedArray()[0]).toBeCloseTo(3, 14) // column [30, 40] projected
    expect(vals(w)).toEqual([30 * (3 / 50), 0.1, 40 * (3 / 50), -0.2]) // w·(c/‖w‖), the other column untouched
    expect(vals(p1.layers[0]!.b)).toEqual([40, 0]) // biases are not constrained
    // Second step: Δ = m₁·Δ + g with m₁ = 0.99 − 0.49·e^(−1/1e5), ε₁ = 1/(1 + 1e-4).
    const [p2] = train(p1, s1, { layers: [{ w: tensor([[0, 0], [0, 0]], 'float64'), b: tensor([0, 0], 'float64') }] })
    const m1 = 0.99 - 0.49 * Math.exp(-1e-5)
    expect(p2.layers[0]!.b.toTypedArray()[0]).toBeCloseTo(40 + (1 / (1 + 1e-4)) * m1 * 40, 12)
  })
})

describe('composition and errors', () => {
  it('chain passes params to every stage and keeps a tuple of states', () => {
    const tx = optim.chain(optim.identity(), optim.trace({ decay: 0.9 }), optim.scale(-1))
    const p = { w: tensor([1]) }
    const s = tx.init(p)
    expect(s.length).toBe(3)
    expect(Object.isFrozen(s)).toBe(true)
    const [u, s2] = tx.update({ w: tensor([2]) }, s, p)
    expect(vals(u.w)).toEqual([-2])
    expect(s2[1].count).toBe(1)
    expect(s[1].count).toBe(0)
  })

  it('applyUpdates refuses mismatched structure, shape or dtype', () => {
    expect(errorOf(() => optim.applyUpdates({ w: tensor([[1, 2]]) }, { w: tensor([1, 2]) }))).toBe('optim.applyUpdates: w: updates is float32[2], params is float32[1,2]')
    expect(errorOf(() => optim.applyUpdates({ w: tensor([1]) }, { v: tensor([1]) }))).toBe('optim.applyUpdates: updates and params differ in structure at the root: updates is a record with key "v", params is a record with key "w"')
    expect(errorOf(() => optim.applyUpdates({ w: tensor([1]) }, { w: tensor([1], 'float64') }))).toBe('optim.applyUpdates: w: updates is float64[1], params is float32[1]')
    expect(errorOf(() => optim.applyUpdates<Tree>({ w: tensor([1]) }, [tensor([1]), tensor([2])]))).toBe('optim.applyUpdates: updates and params differ in structure at the root: updates is an array of 2, params is a record with key "w"')
  })

  it('hyperparameters are checked when made, schedules when used', () => {
    expect(errorOf(() => optim.momentum({ learningRate: 0.1, momentum: 1 }))).toBe('optim.momentum: momentum must be in [0, 1), got 1')
    expect(errorOf(() => optim.momentum({ learningRate: -1, momentum: 0.5 }))).toBe('optim.momentum: learningRate must be a finite number ≥ 0, got -1')
    expect(errorOf(() => optim.sgd(NaN))).toBe('optim.sgd: learningRate must be a finite number ≥ 0, got NaN')
    expect(errorOf(() => optim.adam({ learningRate: 0.1, b2: 1 }))).toBe('optim.adam: b2 must be in [0, 1), got 1')
    expect(errorOf(() => optim.trace({ decay: -0.1 }))).toBe('optim.trace: decay must be in [0, 1), got -0.1')
    expect(errorOf(() => optim.addWeightDecay(Infinity))).toBe('optim.addWeightDecay: weightDecay must be a finite number, got Infinity')
    expect(errorOf(() => optim.inverseTime(1, 0))).toBe('optim.inverseTime: timescale must be a positive finite number, got 0')
    expect(errorOf(() => optim.exponentialDecay(1, 10, 0))).toBe('optim.exponentialDecay: decayRate must be a positive finite number, got 0')
    expect(errorOf(() => optim.momentumRamp(0.5, NaN, 10))).toBe('optim.momentumRamp: final must be a finite number, got NaN')
    const tx = optim.momentum({ learningRate: 0.1, momentum: (t) => 0.5 * t })
    const p = { w: tensor([1]) }
    let s = tx.init(p)
    ;[, s] = tx.update(p, s, p)
    ;[, s] = tx.update(p, s, p)
    expect(errorOf(() => tx.update(p, s, p))).toBe('optim.momentum: momentum must be in [0, 1), got 1 (from its schedule at step 2)')
  })

  it('a state from another model is refused, naming the path', () => {
    const tx = optim.momentum({ learningRate: 0.1, momentum: 0.9 })
    const s = tx.init({ w: tensor([1, 2]) })
    expect(errorOf(() => tx.update({ w: tensor([1, 2, 3]) }, s, { w: tensor([1, 2, 3]) }))).toBe('optim.momentum: w: velocity is float32[2], gradients is float32[3]')
    expect(errorOf(() => optim.chain(optim.sgd(1)).update({ w: tensor([1]) }, [] as never, { w: tensor([1]) }))).toBe('optim.chain: expected a state of 1 stages, got 0')
  })

  it('step without a projection is update then apply; the old state still gives the old answer', () => {
    const train = optim.step(optim.adam({ learningRate: 0.1 }))
    const p = { w: tensor([1, -1]) }
    const s0 = train.init(p)
    const g = { w: tensor([0.5, 2]) }
    const [a] = train(p, s0, g)
    const [, s1] = train(p, s0, g)
    train(p, s1, g)
    const [b] = train(p, s0, g)
    expect(treesEqual(a, b)).toBe(true)
    expect(transformIdentityLaw(optim.adam({ learningRate: 0.1 }), { params: p, grads: [g, g] })).toBe(true)
    expect(vals(add(a.w, 0))).toEqual(vals(b.w))
  })
})

describe('a learning rate is one multiplication', () => {
  // Every float32 kind: zeros of both signs, subnormals, the largest, infinities, ordinary values.
  const f32 = fc.oneof(fc.constantFrom(0, -0, 2 ** -149, -(2 ** -149), 3.4028234663852886e38, Infinity, -Infinity), fc.float({ noNaN: true }))
  fcTest.prop([fc.array(f32, { minLength: 1, maxLength: 8 }), fc.oneof(fc.constantFrom(0, 1e-3, 0.5, 1e30), fc.double({ min: 0, max: 10, noNaN: true }))])(
    'sgd without momentum gives w + (−(ε·g)) bit for bit, signed zeros included', (gs, lr) => {
      const g = tensor(gs)
      const [u] = optim.sgd(lr).update({ g }, optim.sgd(lr).init({ g }), { g })
      const want = gs.map((x) => -Math.fround(Math.fround(lr) * Math.fround(x)))
      const got = Array.from(u.g.toTypedArray())
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true)
    })
})
