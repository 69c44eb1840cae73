import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { io, optim, tensor, type Tensor } from '../../src/index.js'

const decode = (u: unknown): io.TrainingConfig => {
  const r = io.decodeTrainingConfig(u)
  if (E.isLeft(r)) throw r.left
  return r.right
}
const base = { layers: [2, 1], activation: 'relu', keep: { input: 1, hidden: 1 }, batchSize: 1, epochs: 1, seed: 0 }
type P = { w: Tensor; b: Tensor }
const p: P = { w: tensor([[3], [4]], 'float64'), b: tensor([1], 'float64') }
const g: P = { w: tensor([[1], [1]], 'float64'), b: tensor([1], 'float64') }
const vals = (t: Tensor) => Array.from(t.toTypedArray())

describe('optim.fromConfig', () => {
  it('builds the momentum recurrence of the config, with schedules replacing the constants', () => {
    const update = optim.fromConfig(decode({ ...base, optimizer: { type: 'momentum', learningRate: 0.5, momentum: 0.9, nesterov: false }, schedules: { learningRate: { type: 'constant', value: 0.25 } } }))
    const [q, s] = update(p, update.init(p), g)
    expect(vals(q.w)).toEqual([3 - 0.25, 4 - 0.25])
    const [r] = update(q, s, g) // Δ = 0.9·1 + 1 = 1.9
    expect(vals(r.w)).toEqual([3 - 0.25 - 0.25 * 1.9, 4 - 0.25 - 0.25 * 1.9])
  })
  it('adds weight decay to the gradient and projects only the weights onto the max-norm ball', () => {
    const update = optim.fromConfig(decode({ ...base, optimizer: { type: 'sgd', learningRate: 1 }, weightDecay: 0.5, maxNorm: 1 }))
    const [q] = update(p, update.init(p), g)
    // w − (g + 0.5·w) = [0.5, 1]: norm √1.25 > 1, so it is scaled onto the ball; b is not projected.
    const n = Math.hypot(0.5, 1)
    const w = vals(q.w)
    expect(w).toHaveLength(2)
    expect(w[0]).toBeCloseTo(0.5 / n, 15)
    expect(w[1]).toBeCloseTo(1 / n, 15)
    expect(vals(q.b)).toEqual([1 - (1 + 0.5)])
  })
  it('builds adam and inverse-time schedules', () => {
    expect(optim.scheduleFromConfig({ type: 'inverseTime', initial: 1, timescale: 100 } as io.ScheduleConfig)(100)).toBe(0.5)
    const update = optim.fromConfig(decode({ ...base, optimizer: { type: 'adam', learningRate: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8 } }))
    const [q] = update(p, update.init(p), g)
    // Adam's first step moves every coordinate by about the learning rate.
    expect(vals(q.w).map((v, i) => [3, 4][i]! - v)).toEqual([expect.closeTo(0.1, 6), expect.closeTo(0.1, 6)])
  })
  it('gives absent optional fields the defaults of the optimizer they configure', () => {
    const same = (config: object, tx: optim.GradientTransformation<unknown>) => {
      const update = optim.fromConfig(decode({ ...base, optimizer: config }))
      const expected = optim.step(tx)
      let [a, sa] = update(p, update.init(p), g)
      let [b, sb] = expected(p, expected.init(p), g)
      ;[a, sa] = update(a, sa, g)
      ;[b, sb] = expected(b, sb, g)
      expect(vals(a.w)).toEqual(vals(b.w))
      expect(vals(a.b)).toEqual(vals(b.b))
    }
    same({ type: 'adam', learningRate: 0.1 }, optim.adam({ learningRate: 0.1 }))
    same({ type: 'adam', learningRate: 0.1, eps: 0 }, optim.adam({ learningRate: 0.1, eps: 0 }))
    same({ type: 'momentum', learningRate: 0.1, momentum: 0.9 }, optim.momentum({ learningRate: 0.1, momentum: 0.9 }))
    same({ type: 'momentum', learningRate: 0.1, momentum: 0.9, nesterov: true }, optim.momentum({ learningRate: 0.1, momentum: 0.9, nesterov: true }))
  })
})

describe('the optax schedules in configs', () => {
  const schedule = (u: unknown): optim.Schedule => {
    const r = io.decodeScheduleConfig(u)
    if (E.isLeft(r)) throw r.left
    return optim.scheduleFromConfig(r.right)
  }
  it('decode to the schedules they name, with the same defaults', () => {
    const same = (u: unknown, s: optim.Schedule) => { expect([0, 1, 5, 50, 99, 100, 101, 1000].map(schedule(u))).toEqual([0, 1, 5, 50, 99, 100, 101, 1000].map(s)) }
    same({ type: 'linear', initValue: 0, endValue: 1, transitionSteps: 100 }, optim.linear(0, 1, 100))
    same({ type: 'linear', initValue: 1, endValue: 0, transitionSteps: 10, transitionBegin: 5 }, optim.linear(1, 0, 10, 5))
    same({ type: 'cosineDecay', initValue: 0.1, decaySteps: 100 }, optim.cosineDecay(0.1, 100))
    same({ type: 'cosineDecay', initValue: 0.1, decaySteps: 100, alpha: 0.1, exponent: 2 }, optim.cosineDecay(0.1, 100, 0.1, 2))
    same({ type: 'warmupCosineDecay', initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 100 }, optim.warmupCosineDecay(0, 1, 10, 100))
    same({ type: 'warmupCosineDecay', initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 100, endValue: 0.1, exponent: 2 }, optim.warmupCosineDecay(0, 1, 10, 100, 0.1, 2))
    same({ type: 'piecewiseConstant', initValue: 1, boundariesAndScales: { 50: 0.1, 100: 0.5 } }, optim.piecewiseConstant(1, { 50: 0.1, 100: 0.5 }))
  })
  it('refuse bad fields when decoded, and what only the schedule can check when it is made', () => {
    const left = (u: unknown) => E.isLeft(io.decodeScheduleConfig(u))
    expect(left({ type: 'linear', initValue: 0, endValue: 1, transitionSteps: -1 })).toBe(true)
    expect(left({ type: 'linear', initValue: 0, endValue: 1, transitionSteps: 10, transitionbegin: 2 })).toBe(true)
    expect(left({ type: 'cosineDecay', initValue: 0.1, decaySteps: 0 })).toBe(true)
    expect(left({ type: 'piecewiseConstant', initValue: 1, boundariesAndScales: { soon: 0.5 } })).toBe(true)
    expect(left({ type: 'piecewiseConstant', initValue: 1, boundariesAndScales: { 10: -1 } })).toBe(true)
    expect(() => schedule({ type: 'warmupCosineDecay', initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 10 })).toThrow(
      'optim.warmupCosineDecay: decaySteps must be a finite number greater than warmupSteps (10), got 10',
    )
  })
  it('drive the learning rate of a training config', () => {
    const update = optim.fromConfig(decode({ ...base, optimizer: { type: 'sgd', learningRate: 1 }, schedules: { learningRate: { type: 'linear', initValue: 0, endValue: 1, transitionSteps: 2 } } }))
    const [q, s] = update(p, update.init(p), g)
    const [r] = update(q, s, g)
    expect(vals(q.b)).toEqual([1])
    expect(vals(r.b)).toEqual([0.5])
  })
})
