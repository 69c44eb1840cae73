import { describe, expect, expectTypeOf, it } from 'vitest'
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { sequenceS as fpSequenceS, sequenceT as fpSequenceT } from 'fp-ts/lib/Apply.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as RA from 'fp-ts/lib/ReadonlyArray.js'
import * as RR from 'fp-ts/lib/ReadonlyRecord.js'
import type { Tensor } from '../../src/core/tensor.js'
import * as random from '../../src/random/index.js'
import type { Key, Random } from '../../src/random/index.js'
import { keyArb } from '../../laws/random.js'

const { bernoulli, bitsR, evaluate, keyData, keyEq, normal, run, split, uniform } = random
const data = (t: Tensor) => Array.from(t.toTypedArray())

describe('primitive draws split the key: [next, sub] = split(key)', () => {
  test.prop([keyArb()])('each sampler samples from sub and passes next on', (k) => {
    const [next, sub] = split(k)
    const cases: [Random<Tensor>, Tensor][] = [
      [random.uniformR([3], { dtype: 'float64' }), uniform(sub, [3], { dtype: 'float64' })],
      [random.normalR([3]), normal(sub, [3])],
      [random.bernoulliR(0.3, [5]), bernoulli(sub, 0.3, [5])],
    ]
    for (const [ra, want] of cases) {
      const [got, rest] = ra(k)
      expect(data(got)).toEqual(data(want))
      expect(keyEq.equals(rest, next)).toBe(true)
    }
    const [drawn, rest] = random.keyR(k)
    expect([keyData(drawn), keyData(rest)]).toEqual([keyData(sub), keyData(next)])
    expect(Array.from(evaluate(k)(bitsR([4])).data)).toEqual(Array.from(random.bits(sub, [4]).data))
  })

  it('threads keys through a chain: the second draw uses split(next)', () => {
    const k = random.key(0)
    const [n1, s1] = split(k)
    const [n2, s2] = split(n1)
    const prog = pipe(random.uniformR([2]), random.chain((a) => pipe(random.normalR([2]), random.map((b) => [a, b] as const))))
    const [[a, b], rest] = pipe(prog, run(k))
    expect(data(a)).toEqual(data(uniform(s1, [2])))
    expect(data(b)).toEqual(data(normal(s2, [2])))
    expect(keyEq.equals(rest, n2)).toBe(true)
    expect(keyEq.equals(random.execute(k)(prog), n2)).toBe(true)
  })

  it('of draws nothing; ap runs the function side first', () => {
    const k = random.key(1)
    expect(random.of(5)(k)).toEqual([5, k])
    const [n1, s1] = split(k)
    const [, s2] = split(n1)
    const f = pipe(random.uniformR([]), random.map((u) => (v: Tensor) => [u.item(), v.item()]))
    const [pair] = pipe(f, random.ap(random.uniformR([])), run(k))
    expect(pair).toEqual([uniform(s1, []).item(), uniform(s2, []).item()])
    expect(random.flatMap).toBe(random.chain)
  })
})

describe('instances and traversals', () => {
  it('infers types through pipe and sequenceT', () => {
    const both = random.sequenceT(random.uniformR([2]), random.of('label'))
    expectTypeOf(both).toEqualTypeOf<Random<[Tensor, string]>>()
    const viaFp = fpSequenceT(random.Apply)(random.normalR([1]), random.of(3))
    expectTypeOf(viaFp).toEqualTypeOf<Random<[Tensor, number]>>()
    const rec = random.sequenceS({ a: random.of(1), b: random.keyR })
    expectTypeOf(rec).toEqualTypeOf<Random<{ a: number; b: Key }>>()
    const mapped = pipe(random.normalR([3]), random.map((t) => t.size))
    expectTypeOf(mapped).toEqualTypeOf<Random<number>>()
    const [[t, s]] = both(random.key(0))
    expect(t.size + s.length).toBe(7)
    expect(evaluate(random.key(0))(rec).a).toBe(1)
  })

  it('sequenceT and sequenceS draw left to right', () => {
    const k = random.key(2)
    const [x, y] = evaluate(k)(random.sequenceT(random.uniformR([]), random.uniformR([])))
    const [n1, s1] = split(k)
    const s2 = split(n1)[1]
    expect([x.item(), y.item()]).toEqual([uniform(s1, []).item(), uniform(s2, []).item()])
    const r = evaluate(k)(random.sequenceS({ z: random.uniformR([]), a: random.uniformR([]) }))
    expect([r.z.item(), r.a.item()]).toEqual([x.item(), y.item()])
  })

  test.prop([keyArb(), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 })])(
    'traverseArray equals fp-ts ReadonlyArray.traverse(Applicative)',
    (k, sizes) => {
      const f = (n: number) => random.uniformR([n])
      const [ours, k1] = random.traverseArray(f)(sizes)(k)
      const [theirs, k2] = RA.traverse(random.Applicative)(f)(sizes)(k)
      expect(ours.map(data)).toEqual(theirs.map(data))
      expect(keyEq.equals(k1, k2)).toBe(true)
    },
  )

  it('traverseArray is stack-safe for long arrays', () => {
    const n = 20_000
    const [out, rest] = random.traverseArray((_: number, i: number) => random.map(() => i)(random.keyR))(Array.from({ length: n }, (_, i) => i))(random.key(0))
    expect(out.length).toBe(n)
    expect(out[n - 1]).toBe(n - 1)
    expect(random.isKey(rest)).toBe(true)
  })

  test.prop([keyArb(), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 })])(
    'sequenceT, sequenceS and traverseRecord equal their fp-ts generic versions',
    (k, sizes) => {
      const rs = sizes.map((n) => random.uniformR([n]))
      const [ours, k1] = random.sequenceT(rs[0]!, ...rs.slice(1))(k)
      const [theirs, k2] = fpSequenceT(random.Apply)(rs[0]!, ...rs.slice(1))(random.clone(k))
      expect(ours.map(data)).toEqual(theirs.map(data))
      expect(keyEq.equals(k1, k2)).toBe(true)
      // Insertion order for sequenceS, sorted order for traverseRecord, as in fp-ts.
      const record = Object.fromEntries(sizes.map((n, i) => [`${'zyxwvuts'[i]!}${n}`, random.uniformR([n])]))
      const [s1, ks1] = random.sequenceS(record)(k)
      const [s2, ks2] = fpSequenceS(random.Apply)(record)(k)
      expect(Object.keys(s1)).toEqual(Object.keys(s2))
      expect(Object.values(s1).map(data)).toEqual(Object.values(s2).map(data))
      expect(keyEq.equals(ks1, ks2)).toBe(true)
      const counts = Object.fromEntries(sizes.map((n, i) => [`${'zyxwvuts'[i]!}${n}`, n]))
      const [t1, kt1] = random.traverseRecord((n: number) => random.uniformR([n]))(counts)(k)
      const [t2, kt2] = RR.traverse(random.Applicative)((n: number) => random.uniformR([n]))(counts)(k)
      expect(Object.keys(t1)).toEqual(Object.keys(t2))
      expect(Object.values(t1).map(data)).toEqual(Object.values(t2).map(data))
      expect(keyEq.equals(kt1, kt2)).toBe(true)
    },
  )

  it('a program is a value: each run builds fresh results, and runs on any key', () => {
    const prog = random.sequenceS({ a: random.traverseArray((n: number) => random.uniformR([n]))([1, 2]), b: random.sequenceT(random.keyR) })
    const x = evaluate(random.key(0))(prog)
    const y = evaluate(random.key(0))(prog)
    expect(x).not.toBe(y)
    expect(x.a).not.toBe(y.a)
    expect(x.a.map(data)).toEqual(y.a.map(data))
    expect(data(evaluate(random.key(1))(prog).a[1]!)).not.toEqual(data(x.a[1]!))
    expect(evaluate(random.key(0))(random.traverseArray(random.of)([]))).toEqual([])
    expect(evaluate(random.key(0))(random.traverseRecord(random.of)({}))).toEqual({})
  })

  it('hand-written Random functions compose with the combinators, either way round', () => {
    const byHand: Random<number> = (key) => {
      const [next, sub] = split(key)
      return [keyData(sub)[0], next]
    }
    const k = random.key(3)
    const inside = pipe(random.keyR, random.chain(() => byHand), random.map((w) => w + 1))
    const [w, rest] = inside(k)
    const [n1] = split(k)
    const [n2, s2] = split(n1)
    expect(w).toBe(keyData(s2)[0] + 1)
    expect(keyEq.equals(rest, n2)).toBe(true)
    // and a hand-written Random that runs a combinator program inside
    const outside: Random<number> = (key) => {
      const [a, next] = inside(key)
      return [a * 2, next]
    }
    expect(evaluate(k)(random.map((n: number) => n / 2)(outside))).toBe(w)
  })

  it('traverseRecord draws in sorted key order', () => {
    const k = random.key(4)
    const r = evaluate(k)(random.traverseRecord((n: number) => random.uniformR([n]))({ w: 2, b: 1 }))
    const [b, w] = evaluate(k)(random.sequenceT(random.uniformR([1]), random.uniformR([2])))
    expect([data(r.b), data(r.w)]).toEqual([data(b), data(w)])
  })
})

describe('key reuse checking with the effect', () => {
  it('a Random program never reuses a key; running it twice on one key does', () => {
    const prog = random.traverseArray((n: number) => random.bernoulliR(0.5, [n]))([3, 4, 5])
    const k = random.key(0)
    expect(() => random.checkKeyReuse(() => prog(k))).not.toThrow()
    expect(() => random.checkKeyReuse(() => [prog(k), prog(k)])).toThrow(/^bernoulliR: key \[0, 0\] was already consumed/)
  })
})
