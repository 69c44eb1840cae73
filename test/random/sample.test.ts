import { describe, expect, it } from 'vitest'
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { TensorError } from '../../src/core/errors.js'
import { type Tensor, tensor } from '../../src/core/tensor.js'
import { type Key, bernoulli, bits, key, keyData, normal, split, threefry2x32, uniform } from '../../src/random/index.js'
import { keyArb } from '../../laws/random.js'

/**
 * How NumPy prints a float32 element (precision 8, floatmode 'maxprec'): the
 * shortest decimal that reads back as the same float32, cut to at most 8
 * fractional digits. JAX's printed arrays are in this format, so comparing
 * strings compares values exactly to the printed precision.
 */
const numpyRepr = (x: number): string => {
  for (let d = 1; d <= 9; d++) {
    const s = Number(x.toPrecision(d))
    if (Math.fround(s) === x) {
      const frac = (String(s).split('.')[1] ?? '').length
      if (frac <= 8 && !String(s).includes('e')) return String(s)
      break
    }
  }
  return String(Number(x.toFixed(8)))
}
const values = (t: Tensor): number[] => Array.from(t.toTypedArray())
const reprs = (t: Tensor) => values(t).map(numpyRepr)

/** threefry words at flat indices 0 … n − 1, straight from the hash. */
const words = (k: Key, n: number) => {
  const lo = Uint32Array.from({ length: n }, (_, i) => i)
  return threefry2x32(keyData(k), new Uint32Array(n), lo)
}

describe('known answers from JAX (partitionable threefry, the default since jax 0.5.0)', () => {
  // docs.jax.dev/en/latest/jax.random.html ("PRNG keys"):
  //   >>> random.uniform(random.key(0))             Array(0.947667, dtype=float32)
  //   >>> key, subkey = random.split(key); random.uniform(subkey)   Array(0.00729382, dtype=float32)
  it('uniform(key(0)) and uniform(split(key(0))[1]) as printed in the jax.random docs', () => {
    expect(numpyRepr(uniform(key(0), []).item())).toBe('0.947667')
    expect(numpyRepr(uniform(split(key(0))[1], []).item())).toBe('0.00729382')
  })

  // NVIDIA/TensorRT-Incubator mlir-tensorrt/integrations/PJRT/test/JAX/test_random.py:
  // key1, key2 = random.split(random.PRNGKey(0));
  // random.normal(key1, shape=(4, 4)), random.uniform(key2, shape=(4, 4)), printed by NumPy.
  const [key1, key2] = split(key(0))
  it('uniform(key2, [4, 4]) prints as in the TensorRT-Incubator JAX test', () => {
    expect(reprs(uniform(key2, [4, 4])).map(Number)).toEqual([
      0.00729382, 0.02089119, 0.5814265, 0.36183798, 0.22303772, 0.11928833, 0.12543893, 0.61683, 0.0950073, 0.9834225, 0.4248221,
      0.8324801, 0.0966121, 0.22702086, 0.3545748, 0.67104137,
    ])
  })

  it('normal(key1, [4, 4]) prints as in the TensorRT-Incubator JAX test', () => {
    expect(reprs(normal(key1, [4, 4])).map(Number)).toEqual([
      1.0040143, -0.9063372, -0.7481722, -1.1713669, -0.8712328, 0.58883816, 0.72392994, -1.0255982, 1.661628, -1.8910251, -1.2889339,
      0.13360691, -1.1530392, 0.23929629, 1.7448071, 0.5050189,
    ])
  })
})

describe('bits', () => {
  it('of key(0) at index 0 is y0 ^ y1 of the all-zero Random123 vector', () => {
    expect(bits(key(0), []).data[0]).toBe((0x6b200159 ^ 0x99ba4efe) >>> 0)
  })

  test.prop([keyArb(), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })])('is y0 ^ y1 at counter (0, flat index), row-major', (k, shape) => {
    const b = bits(k, shape)
    const n = shape.reduce((a, d) => a * d, 1)
    const [y0, y1] = words(k, n)
    expect(b.shape).toEqual(shape)
    expect(Array.from(b.data)).toEqual(Array.from(y0, (v, i) => (v ^ y1[i]!) >>> 0))
  })

  it('handles more than one chunk of counters', () => {
    const k = key(5)
    const b = bits(k, [3000])
    const [y0, y1] = words(k, 3000)
    expect(b.data.every((v, i) => v === (y0[i]! ^ y1[i]!) >>> 0)).toBe(true)
  })

  it('rejects bad shapes, naming the op', () => {
    expect(() => bits(key(0), [-1])).toThrow(/^bits: bad shape/)
    expect(() => bits(key(0), [1.5])).toThrow(TensorError)
    expect(() => bits(key(0), 3 as unknown as number[])).toThrow(/^bits: shape must be an array/)
  })
})

describe('uniform', () => {
  test.prop([keyArb(), fc.integer({ min: 0, max: 50 })])('float32 on [0, 1) is (bits >>> 9) · 2^-23 exactly', (k, n) => {
    const u = uniform(k, [n]).toTypedArray()
    const b = bits(k, [n]).data
    expect(Array.from(u)).toEqual(Array.from(b, (v) => (v >>> 9) / 2 ** 23))
  })

  test.prop([keyArb(), fc.integer({ min: 0, max: 50 })])('float64 on [0, 1) is the top 52 bits of (y0 << 32) | y1, over 2^52', (k, n) => {
    const u = uniform(k, [n], { dtype: 'float64' })
    const [y0, y1] = words(k, n)
    expect(u.dtype).toBe('float64')
    expect(Array.from(u.toTypedArray())).toEqual(Array.from(y0, (v, i) => Number(((BigInt(v) << 32n) | BigInt(y1[i]!)) >> 12n) / 2 ** 52))
  })

  test.prop([
    keyArb(),
    fc.constantFrom('float32' as const, 'float64' as const),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
  ])('stays in [minval, maxval] in the dtype (rounding may reach maxval, as in JAX)', (k, dtype, lo, width) => {
    const round = dtype === 'float32' ? Math.fround : (x: number) => x
    const [minval, maxval] = [round(lo), round(lo + width)]
    const u = uniform(k, [64], { dtype, minval, maxval })
    expect(u.toTypedArray().every((x) => x >= minval && x <= maxval)).toBe(true)
  })

  it('rounds minval/maxval to float32 and clamps at minval, as the HLO does', () => {
    const k = key(3)
    const b = bits(k, [8]).data
    const lo = Math.fround(-0.1)
    const span = Math.fround(Math.fround(0.3) - lo)
    const want = Array.from(b, (v) => Math.max(lo, Math.fround(Math.fround(((v >>> 9) / 2 ** 23) * span) + lo)))
    expect(Array.from(uniform(k, [8], { minval: -0.1, maxval: 0.3 }).toTypedArray())).toEqual(want)
  })

  it('has mean 1/2 and variance 1/12 (6 standard deviations)', () => {
    const n = 100_000
    const x = values(uniform(key(2024), [n], { dtype: 'float64' }))
    const mean = x.reduce((a, b) => a + b, 0) / n
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / n
    expect(Math.abs(mean - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / n))
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(6 * Math.sqrt(1 / 180 / n))
  })

  it('rejects bad arguments with a TensorError naming uniform', () => {
    const k = key(0)
    expect(() => uniform(k, [-2])).toThrow(/^uniform: bad shape/)
    expect(() => uniform(k, [2], { dtype: 'int32' as 'float32' })).toThrow(/^uniform: dtype must be/)
    expect(() => uniform(k, [2], { minval: 1, maxval: 0 })).toThrow(/^uniform: minval 1 is greater/)
    expect(() => uniform(k, [2], { minval: Number.NaN })).toThrow(/^uniform: minval and maxval must be finite/)
    expect(() => uniform(k, [2], { maxval: 1e39 })).toThrow(/float32/)
    expect(uniform(k, [2], { dtype: 'float64', maxval: 1e39 }).dtype).toBe('float64')
  })
})

describe('normal', () => {
  test.prop([keyArb()], { numRuns: 10 })('has the moments of N(0, 1) (6 standard deviations)', (k) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const n = 20_000
      const z = values(normal(k, [n], dtype))
      const mean = z.reduce((a, b) => a + b, 0) / n
      const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n
      expect(Math.abs(mean)).toBeLessThan(6 / Math.sqrt(n))
      expect(Math.abs(variance - 1)).toBeLessThan(6 * Math.sqrt(2 / n))
    }
  })

  it('is finite for every possible uniform draw, including the extremes', () => {
    const z = normal(key(77), [50_000]).toTypedArray()
    expect(z.every(Number.isFinite)).toBe(true)
  })

  it('keeps shape and dtype and rejects bad arguments', () => {
    expect(normal(key(0), [2, 3], 'float64').shape).toEqual([2, 3])
    expect(() => normal(key(0), [2], 'int32' as 'float32')).toThrow(/^normal: dtype must be/)
    expect(() => normal(key(0), [0.5])).toThrow(/^normal: bad shape/)
  })
})

describe('bernoulli', () => {
  // 203 elements: past the size where a backend's fused draw-and-compare kernel takes over, with a ragged tail.
  test.prop([keyArb(), fc.double({ min: 0, max: 1, noNaN: true })])('is uniform(key, shape) < fround(p) for a number p, as for a tensor p', (k, p) => {
    const m = bernoulli(k, p, [203])
    const u = uniform(k, [203]).toTypedArray()
    expect(m.dtype).toBe('bool')
    expect(Array.from(m.toTypedArray())).toEqual(Array.from(u, (x) => (x < Math.fround(p) ? 1 : 0)))
    expect(Array.from(bernoulli(k, tensor(Array.from({ length: 203 }, () => p))).toTypedArray())).toEqual(Array.from(m.toTypedArray()))
  })

  it('compares in float64 for a float64 p and broadcasts p', () => {
    const k = key(8)
    const p = tensor([0.25, 0.5, 0.75], 'float64')
    const m = bernoulli(k, p, [2, 3]).toTypedArray()
    const u = uniform(k, [2, 3], { dtype: 'float64' }).toTypedArray()
    expect(Array.from(m)).toEqual(Array.from(u, (x, i) => (x < [0.25, 0.5, 0.75][i % 3]! ? 1 : 0)))
    expect(bernoulli(k, tensor([[0], [1]]), [2, 3]).toTypedArray().join()).toBe('0,0,0,1,1,1')
    expect(bernoulli(k, p).shape).toEqual([3])
  })

  it('gives all false for p = 0, all true for p = 1, a scalar by default', () => {
    expect(bernoulli(key(1), 0, [1000]).toTypedArray().every((v) => v === 0)).toBe(true)
    expect(bernoulli(key(1), 1, [1000]).toTypedArray().every((v) => v === 1)).toBe(true)
    expect(bernoulli(key(1), 0.5).shape).toEqual([])
  })

  test.prop([keyArb(), fc.double({ min: 0.05, max: 0.95, noNaN: true })], { numRuns: 20 })('keeps a fraction p (6 standard deviations)', (k, p) => {
    const n = 20_000
    const rate = values(bernoulli(k, p, [n])).reduce((a, b) => a + b, 0) / n
    expect(Math.abs(rate - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / n))
  })

  it('rejects bad p and shapes with a TensorError naming bernoulli', () => {
    const k = key(0)
    for (const p of [-0.1, 1.5, Number.NaN]) expect(() => bernoulli(k, p, [2])).toThrow(/^bernoulli: p must be a probability/)
    expect(() => bernoulli(k, tensor([1, 0], 'int32'), [2])).toThrow(/^bernoulli: p must be a number or a float32\/float64 tensor/)
    expect(() => bernoulli(k, tensor([0.5, 2]), [2])).toThrow(/^bernoulli: p must hold probabilities/)
    expect(() => bernoulli(k, tensor([0.5, 0.5, 0.5]), [2])).toThrow(/^bernoulli: /)
    expect(() => bernoulli(k, tensor([[0.5], [0.5]]), [3])).toThrow(/^bernoulli: p of shape \[2,1\] does not broadcast to shape \[3\]/)
    expect(() => bernoulli(k, 0.5, [-1])).toThrow(/^bernoulli: bad shape/)
  })
})
