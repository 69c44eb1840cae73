import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Tensor, gather, tensor, vmap } from '../../src/index.js'
import * as random from '../../src/random/index.js'
import { keyArb } from '../../laws/index.js'

const values = (t: Tensor): number[] => Array.from(t.toTypedArray())

describe('permutation', () => {
  test.prop([keyArb(), fc.integer({ min: 0, max: 3000 })])('is a permutation of 0…n−1, the same for the same key', (k, n) => {
    const p = Array.from(random.permutation(k, n).toTypedArray())
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
    expect(Array.from(random.permutation(k, n).toTypedArray())).toEqual(p)
  })
  it('uses JAX’s round count: none for n ≤ 1, one sort by the bits of split(key)[1] for small n', () => {
    expect(Array.from(random.permutation(random.key(3), 1).toTypedArray())).toEqual([0])
    const k = random.key(3)
    const b = random.bits(random.split(k)[1], [5]).data
    const expected = [0, 1, 2, 3, 4].sort((x, y) => b[x]! - b[y]!)
    expect(Array.from(random.permutation(k, 5).toTypedArray())).toEqual(expected)
  })
  it('moves each item to each place about equally often', () => {
    // 4000 permutations of 4 items: each of 16 (item, place) counts is Binomial(4000, 1/4); 6σ ≈ 164.
    const counts = new Array<number>(16).fill(0)
    for (let s = 0; s < 4000; s++) random.permutation(random.key(s), 4).toTypedArray().forEach((v, i) => counts[v * 4 + i]!++)
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(6 * Math.sqrt(4000 * 0.25 * 0.75))
  })
  it('permutes the slices of a tensor along an axis by permutation(key, n), one order for all', () => {
    const x = tensor([
      [0, 1, 2, 3, 4],
      [10, 11, 12, 13, 14],
    ])
    const k = random.key(21)
    const order = random.permutation(random.clone(k), 5)
    expect(values(random.permutation(k, x, { axis: 1 }))).toEqual(values(gather(x, order, { axis: 1 })))
  })
  it('with independent, sorts each slice along the axis by its own words of split(key)[1] (one round)', () => {
    const x = tensor([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ])
    const k = random.key(22)
    const b = random.bits(random.split(random.clone(k))[1], [4, 3]).data
    const out = values(random.permutation(k, x, { axis: 0, independent: true }))
    for (let c = 0; c < 3; c++) {
      const rows = [0, 1, 2, 3].sort((i, j) => b[i * 3 + c]! - b[j * 3 + c]!)
      expect([0, 1, 2, 3].map((r) => out[r * 3 + c])).toEqual(rows.map((r) => r * 3 + c))
    }
  })
  it('draws per key under vmap, as a loop over the keys does', () => {
    const x = tensor([1, 2, 3, 4, 5, 6])
    const f = (k: random.Key): Tensor => random.permutation(k, x)
    expect(values(vmap(f)(random.split(random.key(23), 3)))).toEqual([...random.split(random.key(23), 3)].flatMap((k) => values(f(k))))
  })
  it('consumes its key once', () => {
    const k = random.key(4)
    random.checkKeyReuse(() => {
      random.permutation(k, tensor([1, 2, 3]))
      expect(() => random.permutation(k, 3)).toThrow('permutation: key [0, 4] was already consumed')
    })
  })
  it('rejects bad sizes, scalars, axes and options', () => {
    expect(() => random.permutation(random.key(0), -1)).toThrow('permutation: n must be an integer')
    expect(() => random.permutation(random.key(0), tensor(1))).toThrow('permutation: x must be an integer or a tensor of rank ≥ 1, got a float32[] tensor')
    expect(() => random.permutation(random.key(0), tensor([[1, 2]]), { axis: 2 })).toThrow('permutation: axis 2 is out of range for rank 2')
    expect(() => random.permutation(random.key(0), tensor([1, 2]), { independent: 1 as unknown as boolean })).toThrow('permutation: independent must be a boolean, got 1')
  })
})
