/**
 * The Random-effect forms of the newer samplers, truncatedNormal with tensor
 * bounds, and categorical without replacement.
 *
 * Statistical bounds, as in samplers.test.ts: a count of n Bernoulli(p)
 * trials is accepted within 6σ of n·p (a false alarm below 2·10⁻⁹ per count).
 */
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Tensor, tensor } from '../../src/index.js'
import * as random from '../../src/random/index.js'
import type { Random } from '../../src/random/index.js'
import { nextAfter, nextDown, nextUp } from '../../src/random/truncated.js'
import { keyArb } from '../../laws/random.js'

const values = (t: Tensor): number[] => Array.from(t.toTypedArray())
const sameBits = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]))
const within6Sigma = (count: number, n: number, p: number): void => {
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(6 * Math.sqrt(n * p * (1 - p)) + 1e-9)
}
const reuseError = (thunk: () => unknown): Error => {
  try {
    random.checkKeyReuse(thunk)
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a key-reuse error')
}

describe('the Random forms of the newer samplers', () => {
  const logits = tensor([[0.5, -1, 2], [0, 0, -Infinity]])
  const forms = (sub: random.Key): readonly (readonly [string, Random<Tensor>, () => Tensor])[] => [
    ['randintR', random.randintR([3, 2], -5, 9), () => random.randint(sub, [3, 2], -5, 9)],
    ['randintR', random.randintR([4], tensor([0, 10, 20, 30], 'int32'), 40), () => random.randint(sub, [4], tensor([0, 10, 20, 30], 'int32'), 40)],
    ['truncatedNormalR', random.truncatedNormalR(-1, 2, [5], 'float64'), () => random.truncatedNormal(sub, -1, 2, [5], 'float64')],
    ['truncatedNormalR', random.truncatedNormalR(tensor([-1, 0]), tensor([0, 3]), [3, 2]), () => random.truncatedNormal(sub, tensor([-1, 0]), tensor([0, 3]), [3, 2])],
    ['gumbelR', random.gumbelR([2, 3]), () => random.gumbel(sub, [2, 3])],
    ['categoricalR', random.categoricalR(logits, { shape: [4, 2] }), () => random.categorical(sub, logits, { shape: [4, 2] })],
    ['categoricalR', random.categoricalR(logits, { shape: [2, 2], replace: false }), () => random.categorical(sub, logits, { shape: [2, 2], replace: false })],
    ['choiceR', random.choiceR(10, { shape: [3], replace: false }), () => random.choice(sub, 10, { shape: [3], replace: false })],
    ['choiceR', random.choiceR(tensor([1, 2, 3]), { shape: [5], p: tensor([0.2, 0.3, 0.5]) }), () => random.choice(sub, tensor([1, 2, 3]), { shape: [5], p: tensor([0.2, 0.3, 0.5]) })],
    ['permutationR', random.permutationR(8), () => random.permutation(sub, 8)],
    ['permutationR', random.permutationR(tensor([[1, 2, 3], [4, 5, 6]]), { axis: 1, independent: true }), () => random.permutation(sub, tensor([[1, 2, 3], [4, 5, 6]]), { axis: 1, independent: true })],
  ]

  test.prop([keyArb()], { numRuns: 20 })('each draws from the sub of [next, sub] = split(key), as the key-taking call, and passes next on', (k) => {
    const [next, sub] = random.split(k)
    for (const [, r, direct] of forms(sub)) {
      const [got, rest] = r(k)
      expect(sameBits(values(got), values(direct()))).toBe(true)
      expect(got.shape).toEqual(direct().shape)
      expect(random.keyEq.equals(rest, next)).toBe(true)
      expect(sameBits(values(random.evaluate(k)(r)), values(got))).toBe(true)
    }
  })

  it('consume the running key exactly once, under their own names', () => {
    const k = random.key(3)
    for (const [op, r] of forms(random.split(random.key(4))[1])) {
      expect(reuseError(() => [r(k), r(k)]).message).toBe(`${op}: key [0, 3] was already consumed; split it instead of reusing it`)
      expect(reuseError(() => [random.run(k)(r), random.split(k)]).message).toBe('split: key [0, 3] was already consumed; split it instead of reusing it')
    }
  })

  it('check their arguments when they are made, under their own names', () => {
    expect(() => random.randintR([2], 5, 5)).toThrow('randintR: minval 5 is not less than maxval 5: the range [minval, maxval) is empty')
    expect(() => random.randintR([-1], 0, 5)).toThrow(/^randintR: /)
    expect(() => random.truncatedNormalR(2, 1)).toThrow('truncatedNormalR: lower 2 must be less than upper 1 in float32')
    expect(() => random.truncatedNormalR(tensor([0, 2]), 1)).toThrow('truncatedNormalR: lower 2 must be less than upper 1 in float32 at flat index 1 of their broadcast shape [2]')
    expect(() => random.gumbelR([2], 'int32' as 'float32')).toThrow("gumbelR: dtype must be 'float32' or 'float64', got int32")
    expect(() => random.categoricalR(tensor([0, 1]), { shape: [3], replace: false })).toThrow(/^categoricalR: cannot take 3 samples/)
    expect(() => random.choiceR(3, { shape: [4], replace: false })).toThrow('choiceR: cannot take 4 draws (shape [4]) without replacement from 3 entries')
    expect(() => random.permutationR(-1)).toThrow('permutationR: n must be an integer in [0, 2³¹), got -1')
  })
})

describe('the composite nextafter of truncatedNormal', () => {
  // Around the subnormals and the binades where x·2⁻²⁴ is subnormal (2.393732228442182e-38 was a float32 counterexample once).
  const edges = (lo: number, hi: number): number[] => {
    const out: number[] = []
    for (let e = lo; e <= hi; e++) for (const m of [1, 1.25, 1.5, 1.9999999]) out.push(m * 2 ** e, -m * 2 ** e)
    return out
  }
  const specials = [
    0, -0, Infinity, -Infinity, 2 ** -149, -(2 ** -149), 2 ** -126, -(2 ** -126), 1, -1, 2, -2, 3.4028234663852886e38, -3.4028234663852886e38,
    2.393732228442182e-38, -2.393732228442182e-38, ...edges(-149, -95).map(Math.fround),
  ]
  const specials64 = [...edges(-1074, -895), Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** -1022, Number.MAX_VALUE, -Number.MAX_VALUE]
  const tiny32 = fc.float({ noNaN: true, min: -(2 ** -95), max: 2 ** -95 })
  const tiny64 = fc.double({ noNaN: true, min: -(2 ** -890), max: 2 ** -890 })
  test.prop([fc.array(fc.oneof(fc.float({ noNaN: true }), tiny32), { minLength: 1, maxLength: 50 })])('nextUp and nextDown are nextafter towards ±∞ in float32', (xs) => {
    const all = [...xs, ...specials]
    expect(sameBits(values(nextUp(tensor(all, 'float32'))), all.map((x) => nextAfter(x, Infinity, 'float32')))).toBe(true)
    expect(sameBits(values(nextDown(tensor(all, 'float32'))), all.map((x) => nextAfter(x, -Infinity, 'float32')))).toBe(true)
  })
  test.prop([fc.array(fc.oneof(fc.double({ noNaN: true }), tiny64), { minLength: 1, maxLength: 50 })])('and in float64', (xs) => {
    const all = [...xs, ...specials, ...specials64]
    expect(sameBits(values(nextUp(tensor(all, 'float64'))), all.map((x) => nextAfter(x, Infinity, 'float64')))).toBe(true)
    expect(sameBits(values(nextDown(tensor(all, 'float64'))), all.map((x) => nextAfter(x, -Infinity, 'float64')))).toBe(true)
  })
})

describe('truncatedNormal with tensor bounds', () => {
  const bounds: readonly (readonly [number, number])[] = [[-1, 1], [0, Infinity], [-Infinity, -2], [2, 2.5], [-0.1, 1e-3], [-Infinity, Infinity], [4, 6], [-3, 5]]
  test.prop([keyArb(), fc.constantFrom<'float32' | 'float64'>('float32', 'float64')], { numRuns: 10 })(
    'each element is the scalar-bound call\'s at its position, bit for bit, and lies strictly inside its bounds',
    (k, dtype) => {
      const lower = tensor(bounds.map((b) => b[0]), 'float64')
      const upper = tensor(bounds.map((b) => b[1]), 'float64')
      const m = 6
      const n = bounds.length
      const got = values(random.truncatedNormal(random.clone(k), lower, upper, [m, n], dtype))
      bounds.forEach(([lo, hi], j) => {
        const scalarCall = values(random.truncatedNormal(random.clone(k), lo, hi, [m, n], dtype))
        for (let i = 0; i < m; i++) {
          const x = got[i * n + j]!
          expect(Object.is(x, scalarCall[i * n + j]), `${dtype} (${lo}, ${hi}) at [${i}, ${j}]: ${x} vs ${scalarCall[i * n + j]}`).toBe(true)
          expect(x > lo && x < hi).toBe(true)
        }
      })
    },
  )

  it('broadcasts the bounds against shape, and by default draws their broadcast shape', () => {
    // lower [2, 1] and upper [3] broadcast to [2, 3]: element (i, j) lies in (lower[i], upper[j]).
    const lower = [0, 10]
    const upper = [20, 30, 40]
    const x = random.truncatedNormal(random.key(5), tensor([[0], [10]]), tensor(upper))
    expect(x.shape).toEqual([2, 3])
    expect(values(x).every((v, f) => v > lower[Math.floor(f / 3)]! && v < upper[f % 3]!)).toBe(true)
    const y = random.truncatedNormal(random.key(5), tensor([[0], [10]]), tensor(upper), [4, 2, 3])
    expect(y.shape).toEqual([4, 2, 3])
    expect(values(y).every((v, f) => v > lower[Math.floor(f / 3) % 2]! && v < upper[f % 3]!)).toBe(true)
  })

  it('refuses an empty interval anywhere, bounds that do not broadcast, and bool bounds', () => {
    const k = random.key(6)
    expect(() => random.truncatedNormal(k, tensor([[0], [10]]), tensor([1, 11, 12]))).toThrow(
      'truncatedNormal: lower 10 must be less than upper 1 in float32 at flat index 3 of their broadcast shape [2,3]',
    )
    expect(() => random.truncatedNormal(k, tensor([0, 0, 0]), 1, [2, 2])).toThrow('truncatedNormal: lower [3] and upper [] must broadcast to shape [2,2]')
    expect(() => random.truncatedNormal(k, tensor([true]), 1)).toThrow('truncatedNormal: lower must be a number or a float32, float64 or int32 tensor, got a bool[1] tensor')
    expect(() => random.truncatedNormal(k, tensor([1, 1 + 1e-9], 'float64'), 1 + 2e-9, [2])).toThrow('truncatedNormal: lower 1 must be less than upper 1 in float32 at flat index 0 of their broadcast shape [2]')
  })

  it('accepts int32 bounds and float64 results', () => {
    const x = random.truncatedNormal(random.key(7), tensor([0, 5], 'int32'), tensor([1, 6], 'int32'), [50, 2], 'float64')
    expect(x.dtype).toBe('float64')
    expect(values(x).every((v, i) => (i % 2 === 0 ? v > 0 && v < 1 : v > 5 && v < 6))).toBe(true)
  })
})

describe('categorical without replacement', () => {
  test.prop([keyArb(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 })], { numRuns: 25 })(
    'the samples along the leading axes are distinct categories, and are JAX\'s: the top k of logits + gumbel(key, logits.shape)',
    (k, n, b, axis) => {
      const draws = 1 + ((n * 7 + b) % n) // in [1, n]
      const raw = Array.from({ length: n * b }, (_, i) => Math.sin(i + 1) * 2)
      // logits [b, n] for axis 1, [n, b] for axis 0: element (row r, category c).
      const logitAt = (r: number, c: number): number => raw[r * n + c]!
      const logits = axis === 1 ? tensor(Array.from({ length: b }, (_, r) => Array.from({ length: n }, (_, c) => logitAt(r, c)))) : tensor(Array.from({ length: n }, (_, c) => Array.from({ length: b }, (_, r) => logitAt(r, c))))
      const out = random.categorical(random.clone(k), logits, { axis, shape: [draws, b], replace: false })
      expect(out.shape).toEqual([draws, b])
      expect(out.dtype).toBe('int32')
      const v = values(out)
      const noise = values(random.gumbel(random.clone(k), logits.shape))
      for (let r = 0; r < b; r++) {
        const column = Array.from({ length: draws }, (_, i) => v[i * b + r]!)
        expect(new Set(column).size).toBe(draws)
        // Independent definition: sort the categories by perturbed logit, largest first (ties: lower index).
        const perturbed = Array.from({ length: n }, (_, c) => Math.fround(logitAt(r, c) + noise[axis === 1 ? r * n + c : c * b + r]!))
        const order = Array.from({ length: n }, (_, c) => c).sort((x, y) => perturbed[y]! - perturbed[x]! || x - y)
        expect(column).toEqual(order.slice(0, draws))
      }
    },
  )

  it('takes several leading axes, k = their product, in row-major order', () => {
    const logits = tensor([[3, 1, 0, -1, 2, 0.5]])
    const out = random.categorical(random.key(1), logits, { shape: [2, 3, 1], replace: false })
    const flat = random.categorical(random.key(1), logits, { shape: [6, 1], replace: false })
    expect(out.shape).toEqual([2, 3, 1])
    expect(values(out)).toEqual(values(flat))
    expect([...values(out)].sort()).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('draws the first sample with the softmax\'s probabilities, and the second with Σᵢ pᵢ·pⱼ/(1 − pᵢ)', () => {
    const z = [1, 0.5, -1, 0]
    const m = Math.max(...z)
    const e = z.map((x) => Math.exp(x - m))
    const p = e.map((x) => x / e.reduce((a, b) => a + b, 0))
    const rows = 20000
    // Each row of the tiled logits is an independent draw: one Gumbel noise of logits' shape.
    const logits = tensor(Array.from({ length: rows }, () => z))
    const out = values(random.categorical(random.key(11), logits, { shape: [2, rows], replace: false }))
    const first = [0, 0, 0, 0]
    const second = [0, 0, 0, 0]
    for (let r = 0; r < rows; r++) {
      first[out[r]!]!++
      second[out[rows + r]!]!++
      expect(out[r]).not.toBe(out[rows + r])
    }
    p.forEach((pj, j) => {
      within6Sigma(first[j]!, rows, pj)
      within6Sigma(second[j]!, rows, p.reduce((s, pi, i) => (i === j ? s : s + (pi * pj) / (1 - pi)), 0))
    })
  })

  it('never draws a −∞ logit before every finite one', () => {
    const logits = tensor([0, -Infinity, 1, -Infinity, -2])
    for (let s = 0; s < 20; s++) {
      const v = values(random.categorical(random.key(s), logits, { shape: [3], replace: false }))
      expect([...v].sort()).toEqual([0, 2, 4])
    }
  })

  it('refuses more samples than categories and a shape that only broadcasts from the batch shape', () => {
    const k = random.key(0)
    expect(() => random.categorical(k, tensor([0, 1, 2]), { shape: [4], replace: false })).toThrow(
      'categorical: cannot take 4 samples (the leading axes [4] of shape [4]) without replacement from 3 categories (axis -1 of logits [3])',
    )
    expect(() => random.categorical(k, tensor([[0, 1], [1, 0]]), { shape: [2, 3, 2], replace: false })).toThrow(
      'categorical: cannot take 6 samples (the leading axes [2,3] of shape [2,3,2]) without replacement from 2 categories (axis -1 of logits [2,2])',
    )
    expect(() => random.categorical(k, tensor([[0, 1, 2]]), { shape: [2, 4], replace: false })).toThrow(
      'categorical: without replacement, shape [2,4] must end in the batch shape [1] of logits [1,3] itself, not a shape it broadcasts to',
    )
    expect(() => random.categorical(k, tensor([0, 1]), { replace: 'no' as unknown as boolean })).toThrow('categorical: replace must be a boolean, got "no"')
    // As many samples as categories is allowed: a permutation.
    expect([...values(random.categorical(k, tensor([0, 1, 2]), { shape: [3], replace: false }))].sort()).toEqual([0, 1, 2])
  })
})
