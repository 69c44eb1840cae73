/**
 * The optax schedules: known values from optax's own tests
 * (optax/schedules/_schedule_test.py, _join_test.py), values at boundary
 * steps, continuity where optax's schedules are continuous, and bad
 * arguments refused when the schedule is made.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tensor } from 'grad-ts'
import * as optim from '../../src/optim/index.js'
import { errorOf } from '../errors.js'

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const close = (got: readonly number[], want: readonly number[], atol: number, rtol = 0) => {
  expect(got).toHaveLength(want.length)
  got.forEach((g, i) => { expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]!)) })
}

describe('known values from optax’s tests', () => {
  it('linear: 10 → 20 over 10 steps (PolynomialTest.test_linear)', () => {
    close(range(15).map(optim.linear(10, 20, 10)), [...range(10).map((i) => 10 + i), 20, 20, 20, 20, 20], 1e-12)
  })
  it('linear with 0 transition steps is the constant initValue (test_zero_steps_schedule)', () => {
    expect(range(15).map(optim.linear(10, 20, 0))).toEqual(range(15).map(() => 10))
  })
  it('linear with transitionBegin holds initValue until the begin, then ramps (docstring and test_with_decay_begin, power 1)', () => {
    const s = optim.linear(30, 10, 10, 4)
    close(range(20).map(s), [30, 30, 30, 30, ...range(10).map((n) => 10 + 20 * (1 - n / 10)), 10, 10, 10, 10, 10, 10], 1e-12)
  })
  it('piecewiseConstant 0.1 with {3: 2, 6: 0.5}, and the same with −0.1 (PiecewiseConstantTest)', () => {
    close(range(10).map(optim.piecewiseConstant(0.1, { 3: 2, 6: 0.5 })), [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1], 1e-15)
    close(range(10).map(optim.piecewiseConstant(-0.1, { 3: 2, 6: 0.5 })), [-0.1, -0.1, -0.1, -0.2, -0.2, -0.2, -0.1, -0.1, -0.1, -0.1], 1e-15)
  })
  it('cosineDecay over the whole run, past its end, with alpha and with an exponent (CosineDecayTest)', () => {
    const mult = (xs: number[]) => xs.map((x) => 0.5 + 0.5 * Math.cos(Math.PI * x))
    close(range(10).map(optim.cosineDecay(0.1, 10, 0)), mult(range(10).map((i) => i / 10)).map((m) => 0.1 * m), 1e-15)
    const past = [0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1, 1, 1]
    close(range(12).map(optim.cosineDecay(0.1, 5, 0)), mult(past).map((m) => 0.1 * m), 1e-15)
    close(range(12).map(optim.cosineDecay(0.1, 5, 0.1)), mult(past).map((m) => 0.1 * (0.9 * m + 0.1)), 1e-15)
    close([0, 10, 50, 75, 100].map(optim.cosineDecay(0.1, 100, 0, 2)), [0.1, 0.09516553580760956, 0.025, 0.0021446612663567066, 0], 1e-8, 1e-6)
    close([1e9].map(optim.cosineDecay(1000, 1e10)), [975.52826], 1e-4) // test_with_giant_int_steps
  })
  it('warmupCosineDecay: limits, exponent, zero peak (WarmupCosineDecayTest)', () => {
    for (const [init, peak, end] of [[10, 0.5, 1e-4], [5, 3, 0]] as const) {
      const s = optim.warmupCosineDecay(init, peak, 100, 1000, end)
      expect(s(0)).toBe(init)
      expect(s(100)).toBe(peak)
      expect(Math.abs(s(1000) - end)).toBeLessThanOrEqual(1e-3 * Math.abs(end) + 1e-15)
    }
    // optax's values are float32 results; rtol 1e-6 as in its test.
    close([0, 10, 50, 75, 100].map(optim.warmupCosineDecay(0.2, 1.21, 50, 100, -3, 2)), [0.20000004768371582, 0.4020000100135803, 1.2100000381469727, -1.947500228881836, -3.000000238418579], 1e-8, 1e-6)
    close([0, 10, 50, 75, 100].map(optim.warmupCosineDecay(0.2, 0, 50, 100, -3, 2)), [0.2, 0.16, 0, 0, 0], 1e-8, 1e-6)
  })
  it('warmupCosineDecay: warm-up increases, peak at the boundary, decay non-increasing, steeper with exponent 2 (test_monotonicity_and_exponent_ordering)', () => {
    const regular = range(26).map(optim.warmupCosineDecay(0, 1, 5, 25, 0.1, 1))
    const steep = range(26).map(optim.warmupCosineDecay(0, 1, 5, 25, 0.1, 2))
    for (let t = 0; t < 5; t++) expect(regular[t]!).toBeLessThan(regular[t + 1]!)
    expect(regular[5]).toBeCloseTo(1, 6)
    for (let t = 5; t < 25; t++) expect(regular[t]!).toBeGreaterThanOrEqual(regular[t + 1]!)
    expect(regular[25]).toBeCloseTo(0.1, 6)
    for (let t = 5; t <= 25; t++) expect(steep[t]!).toBeLessThanOrEqual(regular[t]! + 1e-12)
  })
  it('join: constants 1, 2, 1 at boundaries 3 and 6 (JoinTest.test_join_schedules)', () => {
    const s = optim.join([optim.constant(1), optim.constant(2), optim.constant(1)], [3, 6])
    expect(range(7).map(s)).toEqual([1, 1, 1, 2, 2, 2, 1])
  })
})

describe('boundary steps and laws', () => {
  const value = fc.double({ min: -10, max: 10, noNaN: true })
  const stepsArb = fc.integer({ min: 1, max: 1000 })
  // A step just before b: the schedules take real steps, so continuity is the left limit at b.
  const before = (b: number) => b - 1e-9 * Math.max(1, b)

  it('linear is continuous (at its begin and end) and stays between its ends', () => {
    fc.assert(
      fc.property(value, value, stepsArb, fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 2000, noNaN: true }), (a, b, T, B, t) => {
        const s = optim.linear(a, b, T, B)
        const tol = 1e-6 * (1 + Math.abs(a) + Math.abs(b))
        return (
          Math.abs(s(before(B)) - s(B)) <= tol && Math.abs(s(before(B + T)) - s(B + T)) <= tol &&
          // (I − E)·1 + E is I up to rounding, in optax too.
          Math.abs(s(B) - a) <= 1e-15 * (Math.abs(a) + Math.abs(b)) && s(B + T) === b && s(t) >= Math.min(a, b) - tol && s(t) <= Math.max(a, b) + tol
        )
      }),
      { numRuns: 200 },
    )
  })

  it('warmupCosineDecay is continuous at the end of the warm-up and at decaySteps, and equals init, peak and end there', () => {
    fc.assert(
      fc.property(value, value.filter((p) => Math.abs(p) > 1e-6), value, fc.integer({ min: 0, max: 100 }), stepsArb, fc.double({ min: 0.5, max: 3, noNaN: true }), (i, p, e, W, D, k) => {
        const s = optim.warmupCosineDecay(i, p, W, W + D, e, k)
        const tol = 1e-6 * (1 + Math.abs(i) + Math.abs(p) + Math.abs(e))
        const near = (x: number, y: number) => Math.abs(x - y) <= 1e-14 * (Math.abs(i) + Math.abs(p) + Math.abs(e))
        return (
          (W === 0 || (near(s(0), i) && Math.abs(s(before(W)) - p) <= tol)) && near(s(W), p) &&
          Math.abs(s(before(W + D)) - e) <= tol && near(s(W + D), e) && near(s(W + D + 5), e)
        )
      }),
      { numRuns: 200 },
    )
  })

  it('piecewiseConstant applies a scale from its boundary on (a jump, as in optax), in boundary order whatever the key order', () => {
    fc.assert(
      fc.property(value, fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 4 }), fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }), (v, bs, ss) => {
        const record: Record<number, number> = {}
        bs.forEach((b, j) => { record[b] = ss[j]! })
        const s = optim.piecewiseConstant(v, record)
        const sorted = [...bs].sort((x, y) => x - y)
        return sorted.every((b) => {
          const expected = sorted.filter((c) => c <= b).reduce((acc, c) => acc * record[c]!, v)
          return s(b) === expected && s(b - 0.5) === sorted.filter((c) => c < b).reduce((acc, c) => acc * record[c]!, v)
        })
      }),
      { numRuns: 200 },
    )
  })

  it('join gives each schedule the steps since its boundary', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 200 }), (b1, gap, t) => {
        const s = optim.join([(x) => x, (x) => 100 + x, (x) => 1000 + x], [b1, b1 + gap])
        return s(t) === (t < b1 ? t : t < b1 + gap ? 100 + t - b1 : 1000 + t - b1 - gap)
      }),
      { numRuns: 200 },
    )
  })

  it('schedules drive an optimizer: the t-th update (from 0) uses the value at t', () => {
    // sgd with a warm-up 0 → 1 over 4 steps and g = −1: w grows by 0, 0.25, 0.5, 0.75, 1, 1.
    const train = optim.step(optim.sgd(optim.linear(0, 1, 4)))
    let p = { w: tensor([0], 'float64') }
    let s = train.init(p)
    const ws: number[] = []
    for (let t = 0; t < 6; t++) {
      ;[p, s] = train(p, s, { w: tensor([-1], 'float64') })
      ws.push(p.w.item())
    }
    expect(ws).toEqual([0, 0.25, 0.75, 1.5, 2.5, 3.5])
  })
})

describe('bad arguments are refused when the schedule is made', () => {
  it('names the schedule, the argument and the value', () => {
    expect(errorOf(() => optim.linear(1, 0, -1))).toBe('optim.linear: transitionSteps must be a non-negative integer, got -1')
    expect(errorOf(() => optim.linear(1, 0, 10, -2))).toBe('optim.linear: transitionBegin must be a non-negative integer, got -2')
    expect(errorOf(() => optim.linear(NaN, 0, 10))).toBe('optim.linear: initValue must be a finite number, got NaN')
    expect(errorOf(() => optim.cosineDecay(1, 0))).toBe('optim.cosineDecay: decaySteps must be a positive finite number, got 0')
    expect(errorOf(() => optim.cosineDecay(1, 10, Infinity))).toBe('optim.cosineDecay: alpha must be a finite number, got Infinity')
    // optax's test_raises_when_decay_equals_warmup.
    expect(errorOf(() => optim.warmupCosineDecay(0.2, 1.2, 10, 10))).toBe('optim.warmupCosineDecay: decaySteps must be a finite number greater than warmupSteps (10), got 10')
    expect(errorOf(() => optim.warmupCosineDecay(0, 5e-324, 0, 10, 1))).toBe('optim.warmupCosineDecay: endValue / peakValue must be finite (the decay\'s α), got 1 / 5e-324')
    expect(errorOf(() => optim.warmupCosineDecay(0, 1, 1.5, 10))).toBe('optim.warmupCosineDecay: warmupSteps must be a non-negative integer, got 1.5')
    expect(errorOf(() => optim.piecewiseConstant(1, { 10: -0.5 }))).toBe('optim.piecewiseConstant: boundariesAndScales: the scale at 10 must be a finite number ≥ 0, got -0.5')
    expect(errorOf(() => optim.piecewiseConstant(1, { x: 0.5 } as never))).toBe('optim.piecewiseConstant: boundariesAndScales: the boundary "x" is not a finite number')
    expect(errorOf(() => optim.join([optim.constant(1), optim.constant(2)], []))).toBe('optim.join: boundaries must be an array of 1 numbers (one fewer than the schedules), got an array of 0')
    expect(errorOf(() => optim.join([], []))).toBe('optim.join: schedules must be a non-empty array of schedules (functions of the step), got an array of 0')
    expect(errorOf(() => optim.join([optim.constant(1), optim.constant(2), optim.constant(3)], [5, 2]))).toBe('optim.join: boundaries must be non-decreasing, got 5 then 2 at 1')
  })
})
