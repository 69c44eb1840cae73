import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { random } from '../../src/index.js'
import { keyArb } from '../../laws/index.js'

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
  it('rejects bad sizes', () => {
    expect(() => random.permutation(random.key(0), -1)).toThrow('permutation: n must be an integer')
  })
})
