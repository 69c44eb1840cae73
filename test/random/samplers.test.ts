/**
 * randint, truncatedNormal, gumbel, categorical and choice: JAX's known
 * answers, independent definitions, exact statistical tests (each with its
 * false-alarm rate), vmap over keys, key consumption and errors.
 *
 * Statistical bounds: a count of n Bernoulli(p) trials is accepted within
 * 6σ of n·p (a false alarm with probability below 2·10⁻⁹ per count); a
 * Kolmogorov–Smirnov distance is accepted below √(ln(2/α) / 2n) with α = 10⁻⁶,
 * checked on a grid of points (a subset of the supremum, so the rate stays ≤ α).
 */
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Tensor, scalar, tensor, vmap } from '../../src/index.js'
import * as random from '../../src/random/index.js'
import { randintOfBits } from '../../src/random/integers.js'
import { clipOpen, erfBound } from '../../src/random/truncated.js'
import { erfinv32, erfinv64 } from '../../src/backend/js/erfinv.js'
import { gumbelOfUniform } from '../../src/random/categorical.js'
import { keyArb } from '../../laws/random.js'
import { erfFixed, fixed, toNumber } from './erf-reference.js'
import { caseKey, originalBits, originalSplit, uniform32 } from './jax-original.js'

const values = (t: Tensor): number[] => Array.from(t.toTypedArray())
const int32Words = (w: Uint32Array): Tensor => tensor(Array.from(w, (x) => x | 0), 'int32')
/** float32 values as NumPy prints them with 6 significant digits (JAX's printed vectors). */
const printed = (xs: readonly number[]): number[] => xs.map((x) => Number(x.toPrecision(6)))

/** A count of n trials with probability p is within 6σ of n·p. */
const within6Sigma = (count: number, n: number, p: number): void => {
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(6 * Math.sqrt(n * p * (1 - p)) + 1e-9)
}
/** The Kolmogorov–Smirnov bound for n samples at α = 1e-6, checked at the grid points. */
const ksOnGrid = (xs: readonly number[], cdf: (x: number) => number, grid: readonly number[]): void => {
  const sorted = [...xs].sort((a, b) => a - b)
  const bound = Math.sqrt(Math.log(2 / 1e-6) / (2 * xs.length))
  for (const g of grid) {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! <= g) lo = mid + 1
      else hi = mid
    }
    expect(Math.abs(lo / sorted.length - cdf(g))).toBeLessThan(bound)
  }
}
const grid = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * (i + 1)) / (n + 1))

/** JAX's randint arithmetic in uint32 with BigInt, written from jax/_src/random.py (`rem` by 0 is the identity, as XLA's). */
const jaxRandint = (hi: number, lo: number, minval: number, maxval: number): number => {
  const u32 = (x: bigint): bigint => BigInt.asUintN(32, x)
  const rem = (a: bigint, b: bigint): bigint => (b === 0n ? a : a % b)
  // maxval = 2³¹ is out of int32 range: JAX clips it to 2³¹ − 1 and adds one to the span.
  const span = u32(BigInt(maxval) - BigInt(minval))
  let m = rem(65536n, span)
  m = rem(u32(m * m), span)
  const offset = rem(u32(u32(rem(BigInt(hi), span) * m) + rem(BigInt(lo), span)), span)
  return Number(BigInt.asIntN(32, BigInt(minval) + offset))
}

describe("known answers from JAX's tests/random_test.py (_RANDOM_VALUES_CASES, threefry2x32, float32)", () => {
  it('the original layout reproduces the bits case [1978747883, 4134381225, 3628107870, 689687174, 2788938207]', () => {
    expect(Array.from(originalBits(caseKey('bits'), 5))).toEqual([1978747883, 4134381225, 3628107870, 689687174, 2788938207])
  })
  it('randint(minval=0, maxval=10, shape=(5,)) is [0, 5, 7, 7, 5]', () => {
    const [k1, k2] = originalSplit(caseKey('randint'))
    const out = randintOfBits(int32Words(originalBits(k1, 5)), int32Words(originalBits(k2, 5)), scalar(0, 'float64'), scalar(10, 'float64'))
    expect(values(out)).toEqual([0, 5, 7, 7, 5])
  })
  it('truncated_normal(lower=0, upper=2, shape=(5,)) is [0.582807, 1.709771, 0.159513, 0.861376, 0.36148]', () => {
    const u = uniform32(originalBits(caseKey('truncated_normal'), 5), erfBound(0, 'float32'), erfBound(2, 'float32'))
    // √2 · erfinv(u) as the normal draw computes it (XLA's float32 erfinv), then the clip into (0, 2).
    const sqrt2 = Math.fround(Math.SQRT2)
    const out = values(clipOpen(tensor(u.map((x) => Math.fround(sqrt2 * erfinv32(x))), 'float32'), 0, 2))
    expect(printed(out)).toEqual(printed([0.582807, 1.709771, 0.159513, 0.861376, 0.36148]))
  })
  it('gumbel(shape=(5,)) is [2.06701, 0.911726, 0.145736, 0.185427, -0.00711]', () => {
    const u = uniform32(originalBits(caseKey('gumbel'), 5), 2 ** -126, 1)
    const out = values(gumbelOfUniform(tensor(u, 'float32')))
    expect(out.map((x) => Number(x.toFixed(6)))).toEqual([2.06701, 0.911726, 0.145736, 0.185427, -0.00711])
  })
})

describe('randint', () => {
  const bound = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.constantFrom(-(2 ** 31), 0, 1, 2 ** 16, 2 ** 16 + 1, 2 ** 31 - 1, 2 ** 31))
  const range = fc
    .tuple(bound, bound)
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
  test.prop([keyArb(), range, fc.integer({ min: 0, max: 40 })])("is JAX's two-draw construction on the words of split(key), in uint32", (k, [minval, maxval], n) => {
    const [k1, k2] = random.split(random.clone(k))
    const hi = random.bits(k1, [n]).data
    const lo = random.bits(k2, [n]).data
    const expected = Array.from(hi, (h, i) => jaxRandint(h, lo[i]!, minval, maxval))
    const out = random.randint(k, [n], minval, maxval)
    expect(out.dtype).toBe('int32')
    expect(values(out)).toEqual(expected)
  })
  it('takes int32 tensor bounds that broadcast to the shape', () => {
    const out = values(random.randint(random.key(3), [4, 2], tensor([[0, 100]], 'int32'), tensor([[1, 103]], 'int32')))
    for (let i = 0; i < 4; i++) {
      expect(out[2 * i]).toBe(0)
      expect(out[2 * i + 1]).toBeGreaterThanOrEqual(100)
      expect(out[2 * i + 1]).toBeLessThan(103)
    }
  })
  it('draws each of six values equally often (60000 draws, each count within 6σ)', () => {
    const counts = new Array<number>(6).fill(0)
    for (const v of values(random.randint(random.key(11), [60000], -3, 3))) counts[v + 3]!++
    for (const c of counts) within6Sigma(c, 60000, 1 / 6)
  })
  it('draws per key under vmap, as a loop over the keys does', () => {
    const keys = random.split(random.key(5), 3)
    const batched = vmap((k: random.Key) => random.randint(k, [4], 0, 1000))(keys)
    expect(batched.shape).toEqual([3, 4])
    expect(values(batched)).toEqual([...random.split(random.key(5), 3)].flatMap((k) => values(random.randint(k, [4], 0, 1000))))
  })
  it('consumes its key once', () => {
    const k = random.key(0)
    random.checkKeyReuse(() => {
      random.randint(k, [2], 0, 5)
      expect(() => random.randint(k, [2], 0, 5)).toThrow('randint: key [0, 0] was already consumed')
    })
  })
  it('rejects empty ranges, non-integers, out-of-range and ill-shaped bounds, naming them', () => {
    const k = random.key(0)
    expect(() => random.randint(k, [2], 5, 5)).toThrow('randint: minval 5 is not less than maxval 5')
    expect(() => random.randint(k, [2], tensor([0, 9], 'int32'), 3)).toThrow('randint: minval 9 is not less than maxval 3 at flat index 1 of their broadcast shape [2]')
    expect(() => random.randint(k, [2], 0.5, 3)).toThrow('randint: minval must be an integer in [-2147483648, 2147483647], got 0.5')
    expect(() => random.randint(k, [2], 0, 2 ** 31 + 1)).toThrow('randint: maxval must be an integer in [-2147483647, 2147483648], got 2147483649')
    expect(() => random.randint(k, [2], tensor([0, 1]), 3)).toThrow('randint: minval must be an integer or an int32 tensor, got a float32[2] tensor')
    expect(() => random.randint(k, [2], tensor([0, 1, 2], 'int32'), 3)).toThrow('randint: minval of shape [3] does not broadcast to shape [2]')
    expect(() => random.randint(k, [-1], 0, 3)).toThrow('randint')
  })
})

/** Φ(x) from the fixed-point erf of the reference. */
const phi = (x: number): number => (x === Infinity ? 1 : x === -Infinity ? 0 : 0.5 * (1 + toNumber(erfFixed(fixed(x / Math.SQRT2)))))

describe('truncatedNormal', () => {
  test.prop([keyArb(), fc.double({ min: -4, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 3, noNaN: true }), fc.constantFrom('float32' as const, 'float64' as const)])(
    'is clip(√2 · erfinv(uniform(key, shape, erf(lower/√2), erf(upper/√2)))), the steps written out here', (k, lo, width, dtype) => {
      const hi = lo + width
      const r = dtype === 'float32' ? Math.fround : (x: number) => x
      const u = values(random.uniform(k, [70], { dtype, minval: erfBound(lo, dtype), maxval: erfBound(hi, dtype) }))
      const inv = dtype === 'float32' ? erfinv32 : erfinv64
      const want = values(clipOpen(tensor(u.map((x) => r(r(Math.SQRT2) * inv(x))), dtype), lo, hi))
      expect(values(random.truncatedNormal(k, lo, hi, [70], dtype))).toEqual(want)
    })
  const bounds = fc
    .tuple(fc.double({ min: -6, max: 6, noNaN: true }), fc.double({ min: -6, max: 6, noNaN: true }), fc.constantFrom(-Infinity, Infinity, 0))
    .map(([a, b, c]) => {
      const [lo, hi] = [Math.min(a, b), Math.max(a, b) + 0.01]
      return c === -Infinity ? [c, hi] : c === Infinity ? [lo, c] : [lo, hi]
    })
  test.prop([keyArb(), bounds, fc.constantFrom('float32' as const, 'float64' as const)])('lies strictly inside (lower, upper) in the dtype', (k, [lo, hi], dtype) => {
    const round = dtype === 'float32' ? Math.fround : (x: number) => x
    const out = random.truncatedNormal(k, lo!, hi!, [64], dtype)
    expect(out.dtype).toBe(dtype)
    for (const v of values(out)) {
      expect(v).toBeGreaterThan(round(lo!))
      expect(v).toBeLessThan(round(hi!))
    }
  })
  it.each([
    [-1, 2, 'float32'],
    [0.5, Infinity, 'float64'],
    [-Infinity, -1.5, 'float32'],
  ] as const)('has the truncated normal law on (%d, %d) in %s (KS, 20000 draws)', (lo, hi, dtype) => {
    const xs = values(random.truncatedNormal(random.key(7), lo, hi, [20000], dtype))
    const [pl, ph] = [phi(lo), phi(hi)]
    const a = Math.max(lo, -4)
    const b = Math.min(hi, 4)
    ksOnGrid(xs, (x) => (phi(x) - pl) / (ph - pl), grid(a, b, 25))
  })
  it('draws per key under vmap, and consumes its key once', () => {
    const batched = vmap((k: random.Key) => random.truncatedNormal(k, -1, 1, [3]))(random.split(random.key(2), 2))
    expect(values(batched)).toEqual([...random.split(random.key(2), 2)].flatMap((k) => values(random.truncatedNormal(k, -1, 1, [3]))))
    const k = random.key(1)
    random.checkKeyReuse(() => {
      random.truncatedNormal(k, 0, 1)
      expect(() => random.truncatedNormal(k, 0, 1)).toThrow('truncatedNormal: key [0, 1] was already consumed')
    })
  })
  it('rejects bounds out of order, NaN bounds and other dtypes', () => {
    const k = random.key(0)
    expect(() => random.truncatedNormal(k, 1, 1)).toThrow('truncatedNormal: lower 1 must be less than upper 1 in float32')
    expect(() => random.truncatedNormal(k, 1 + 1e-9, 1)).toThrow('truncatedNormal: lower 1.000000001 must be less than upper 1 in float32')
    expect(() => random.truncatedNormal(k, NaN, 1)).toThrow('truncatedNormal: lower and upper must be numbers (not NaN), got NaN and 1')
    expect(() => random.truncatedNormal(k, 0, 1, [2], 'int32' as 'float32')).toThrow("truncatedNormal: dtype must be 'float32' or 'float64', got int32")
  })
})

describe('gumbel', () => {
  it.each(['float32', 'float64'] as const)('has the Gumbel law exp(−exp(−x)) in %s (KS, 20000 draws), every sample finite', (dtype) => {
    const xs = values(random.gumbel(random.key(4), [20000], dtype))
    expect(xs.every(Number.isFinite)).toBe(true)
    ksOnGrid(xs, (x) => Math.exp(-Math.exp(-x)), grid(-2, 5, 25))
  })
})

describe('categorical', () => {
  const softmax = (z: readonly number[]): number[] => {
    const m = Math.max(...z)
    const e = z.map((v) => Math.exp(v - m))
    const s = e.reduce((a, b) => a + b, 0)
    return e.map((v) => v / s)
  }
  it('draws category i with probability softmax(logits)ᵢ, never a −∞ logit (20000 draws, 6σ)', () => {
    const logits = [1, 2, 0, -Infinity]
    const p = softmax(logits)
    const counts = new Array<number>(4).fill(0)
    for (const v of values(random.categorical(random.key(9), tensor(logits), { shape: [20000] }))) counts[v]!++
    expect(counts[3]).toBe(0)
    counts.forEach((c, i) => { within6Sigma(c, 20000, p[i]!); })
  })
  test.prop([keyArb(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3 })])(
    "is JAX's argmax of gumbel(key, shape with the categories at axis) + logits",
    (k, axis, lead) => {
      const logits = random.normal(random.key(1), [2, 3, 4].map((d, i) => (i === axis ? 5 : d)))
      const batch = logits.shape.filter((_, i) => i !== axis)
      const shape = [lead, ...batch]
      const g = values(random.gumbel(random.clone(k), [lead, ...logits.shape]))
      const l = values(logits)
      const out = random.categorical(k, logits, { axis, shape })
      expect(out.shape).toEqual(shape)
      // The independent definition: loop over every result position and every category.
      const strides = [logits.shape[1]! * logits.shape[2]!, logits.shape[2]!, 1]
      const expected: number[] = []
      for (let s = 0; s < lead; s++) {
        for (let i = 0; i < batch[0]!; i++) {
          for (let j = 0; j < batch[1]!; j++) {
            let best = -Infinity
            let arg = -1
            for (let c = 0; c < 5; c++) {
              const idx = [i, j]
              idx.splice(axis, 0, c)
              const at = idx[0]! * strides[0]! + idx[1]! * strides[1]! + idx[2]!
              const v = g[s * l.length + at]! + l[at]!
              if (v > best) [best, arg] = [v, c]
            }
            expected.push(arg)
          }
        }
      }
      expect(values(out)).toEqual(expected)
    },
  )
  it('draws per key under vmap, and with mapped logits', () => {
    const logits = tensor([
      [0, 1, 2],
      [2, 1, 0],
    ])
    const keys = random.split(random.key(8), 2)
    const batched = vmap((k: random.Key, z: Tensor) => random.categorical(k, z, { shape: [6] }))(keys, logits)
    const loop = [...random.split(random.key(8), 2)].flatMap((k, i) => values(random.categorical(k, tensor([[0, 1, 2], [2, 1, 0]][i]!), { shape: [6] })))
    expect(values(batched)).toEqual(loop)
  })
  it('consumes its key once, and rejects bad logits, axes and shapes', () => {
    const k = random.key(0)
    random.checkKeyReuse(() => {
      random.categorical(k, tensor([0, 1]))
      expect(() => random.categorical(k, tensor([0, 1]))).toThrow('categorical: key [0, 0] was already consumed')
    })
    expect(() => random.categorical(k, tensor([0, 1], 'int32'))).toThrow('categorical: logits must be a float32 or float64 tensor, got a int32 tensor')
    expect(() => random.categorical(k, scalar(1))).toThrow('categorical: logits must have an axis of categories, got shape []')
    expect(() => random.categorical(k, tensor([[0, 1]]), { axis: 2 })).toThrow('categorical: axis 2 is out of range for rank 2')
    expect(() => random.categorical(k, tensor([[0, 1], [1, 0]]), { shape: [3] })).toThrow('categorical: shape [3] must end in a shape that the batch shape [2] of logits [2,2] broadcasts to')
    expect(() => random.categorical(k, tensor([[0, 1], [1, 0]]), { shape: [] })).toThrow('categorical: shape [] must end in')
  })
})

describe('choice', () => {
  it('with replacement and uniform is randint(key, shape, 0, n), taken along the axis', () => {
    const k = random.key(6)
    const ind = values(random.randint(random.clone(k), [2, 3], 0, 4))
    expect(values(random.choice(random.clone(k), 4, { shape: [2, 3] }))).toEqual(ind)
    const a = tensor([
      [0, 1, 2, 3],
      [10, 11, 12, 13],
    ])
    const out = random.choice(k, a, { shape: [2, 3], axis: 1 })
    expect(out.shape).toEqual([2, 2, 3])
    expect(values(out)).toEqual([...ind, ...ind.map((i) => 10 + i)])
  })
  it('without replacement and uniform is the first draws of permutation(key, n)', () => {
    const k = random.key(12)
    const perm = values(random.permutation(random.clone(k), 30))
    expect(values(random.choice(k, 30, { shape: [2, 5], replace: false }))).toEqual(perm.slice(0, 10))
  })
  test.prop([keyArb(), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 })])('without replacement never repeats an entry', (k, n, d) => {
    const draws = Math.min(n, d)
    const out = values(random.choice(k, n, { shape: [draws], replace: false }))
    expect(new Set(out).size).toBe(draws)
    expect(out.every((v) => v >= 0 && v < n)).toBe(true)
  })
  it('with p and replacement draws entry i with probability pᵢ, never a zero one (20000 draws, 6σ)', () => {
    const p = [0.1, 0, 0.6, 0.3]
    const counts = new Array<number>(4).fill(0)
    for (const v of values(random.choice(random.key(13), 4, { shape: [20000], p: tensor(p, 'float64') }))) counts[v]!++
    expect(counts[1]).toBe(0)
    counts.forEach((c, i) => { within6Sigma(c, 20000, p[i]!); })
  })
  it('with p and without replacement draws the first two places with the laws of sampling without replacement (vmap over 20000 keys, 6σ)', () => {
    const p = [0.1, 0.2, 0.3, 0.4]
    const draws = vmap((k: random.Key) => random.choice(k, 4, { shape: [2], replace: false, p: tensor(p) }))(random.split(random.key(14), 20000))
    const v = values(draws)
    const first = new Array<number>(4).fill(0)
    const second = new Array<number>(4).fill(0)
    for (let i = 0; i < v.length; i += 2) {
      expect(v[i]).not.toBe(v[i + 1])
      first[v[i]!]!++
      second[v[i + 1]!]!++
    }
    // P(second = j) = Σᵢ≠ⱼ pᵢ pⱼ / (1 − pᵢ).
    const pSecond = p.map((pj, j) => p.reduce((acc, pi, i) => (i === j ? acc : acc + (pi * pj) / (1 - pi)), 0))
    first.forEach((c, i) => { within6Sigma(c, 20000, p[i]!); })
    second.forEach((c, j) => { within6Sigma(c, 20000, pSecond[j]!); })
  })
  it('draws per key under vmap, as a loop over the keys does', () => {
    const f = (k: random.Key) => random.choice(k, 10, { shape: [3] })
    expect(values(vmap(f)(random.split(random.key(15), 4)))).toEqual([...random.split(random.key(15), 4)].flatMap((k) => values(f(k))))
  })
  it('consumes its key once in every mode', () => {
    const modes = [{}, { replace: false }, { p: tensor([0.5, 0.5]) }, { replace: false, p: tensor([0.5, 0.5]) }]
    for (const mode of modes) {
      const k = random.key(3)
      random.checkKeyReuse(() => {
        random.choice(k, 2, mode)
        expect(() => random.choice(k, 2, mode)).toThrow('choice: key [0, 3] was already consumed')
      })
    }
  })
  it('rejects bad p, too many draws and empty populations, naming the argument and value', () => {
    const k = random.key(0)
    expect(() => random.choice(k, 3, { p: tensor([0.5, 0.6, 0]) })).toThrow('choice: p must sum to 1, got 1.1')
    expect(() => random.choice(k, 3, { p: tensor([0.5, 0.5]) })).toThrow('choice: p must have shape [3] (one probability per entry of a along axis), got [2]')
    expect(() => random.choice(k, 2, { p: tensor([1.5, -0.5]) })).toThrow('choice: p must hold probabilities in [0, 1], found 1.5 at index 0')
    expect(() => random.choice(k, 2, { p: tensor([1, 0], 'int32') })).toThrow('choice: p must be a float32 or float64 tensor, got a int32 tensor')
    expect(() => random.choice(k, 3, { shape: [4], replace: false })).toThrow('choice: cannot take 4 draws (shape [4]) without replacement from 3 entries')
    expect(() => random.choice(k, 3, { shape: [2], replace: false, p: tensor([1, 0, 0]) })).toThrow('choice: cannot take 2 draws without replacement when p has only 1 non-zero entries')
    expect(() => random.choice(k, 0, { shape: [1] })).toThrow('choice: a has no entries to choose from (n = 0) but shape [1] asks for 1 draws')
    expect(() => random.choice(k, 2.5)).toThrow('choice: a must be an integer in [0, 2³¹) or a tensor, got 2.5')
    expect(() => random.choice(k, scalar(3))).toThrow('choice: a must be an integer or a tensor of rank ≥ 1, got a float32[] tensor')
    expect(() => random.choice(k, tensor([1, 2]), { axis: 1 })).toThrow('choice: axis 1 is out of range for rank 1')
    expect(values(random.choice(k, 0, { shape: [0] }))).toEqual([])
  })
})
