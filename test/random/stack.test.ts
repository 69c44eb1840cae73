/**
 * The Random effect runs in constant JavaScript stack however its program is
 * built: folded chains, recursive chains, chainRec, and the traversals. When
 * Random was a plain nested closure, a default Node stack ran out (RangeError)
 * at about 10⁴ nested chains and 5,000 nested aps (fp-ts's sequenceT,
 * sequenceS, ReadonlyArray.sequence); the sizes here are far beyond both.
 */
import { describe, expect, it } from 'vitest'
import { sequenceS as fpSequenceS, sequenceT as fpSequenceT } from 'fp-ts/lib/Apply.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as RA from 'fp-ts/lib/ReadonlyArray.js'
import * as RR from 'fp-ts/lib/ReadonlyRecord.js'
import * as random from '../../src/random/index.js'
import type { Key, Random } from '../../src/random/index.js'

const { chain, evaluate, keyEq, keyR, map, of, run, split, keyData } = random
const N = 1_000_000

/** The key after `n` draws by hand: `[next, sub] = split(key)`, `n` times. */
const afterDraws = (k: Key, n: number): Key => {
  let cur = k
  for (let i = 0; i < n; i++) cur = split(cur)[0]
  return cur
}

/** The first word of the subkey of each of the first `n` draws, by hand. */
const subWords = (k: Key, n: number): number[] => {
  const out: number[] = []
  let cur = k
  for (let i = 0; i < n; i++) {
    const [next, sub] = split(cur)
    out.push(keyData(sub)[0])
    cur = next
  }
  return out
}

const timed = <A>(label: string, f: () => A): A => {
  const t0 = performance.now()
  const out = f()
  console.info(`${label}: ${(performance.now() - t0).toFixed(0)} ms`)
  return out
}

describe('a million steps in constant stack', () => {
  const k = random.key(0)
  const expected = afterDraws(k, N)

  it('a left-nested chain folded with reduce (one draw per step)', () => {
    const xs = Array.from({ length: N }, (_, i) => i)
    const prog = xs.reduce((acc: Random<number>, x) => pipe(acc, chain((s: number) => map((d: Key) => s + x + (keyData(d)[0] & 1))(keyR))), of(0))
    const [total, rest] = timed('left-nested chain, 10⁶ draws', () => run(k)(prog))
    expect(keyEq.equals(rest, expected)).toBe(true)
    expect(total).toBeGreaterThanOrEqual((N * (N - 1)) / 2)
  })

  it('a left-nested chain of pure steps, and of maps', () => {
    const xs = Array.from({ length: N }, (_, i) => i)
    const chained = xs.reduce((acc: Random<number>) => pipe(acc, chain((n: number) => of(n + 1))), of(0))
    expect(evaluate(k)(chained)).toBe(N)
    const mapped = xs.reduce((acc: Random<number>) => pipe(acc, map((n: number) => n + 1)), of(0))
    expect(evaluate(k)(mapped)).toBe(N)
  })

  it('a right-nested (recursive) chain', () => {
    const countdown = (n: number): Random<number> => (n === 0 ? of(0) : pipe(keyR, chain(() => countdown(n - 1)), map((m) => m + 1)))
    const [m, rest] = timed('recursive chain, 10⁶ draws', () => run(k)(countdown(N)))
    expect(m).toBe(N)
    expect(keyEq.equals(rest, expected)).toBe(true)
  })

  it('chainRec and tailRec', () => {
    const step = (i: number): Random<E.Either<number, number>> => map(() => (i + 1 < N ? E.left(i + 1) : E.right(i + 1)))(keyR)
    const [n, rest] = timed('chainRec, 10⁶ draws', () => run(k)(random.chainRec(0, step)))
    expect(n).toBe(N)
    expect(keyEq.equals(rest, expected)).toBe(true)
    const [m, rest2] = pipe(0, random.tailRec(step), run(k))
    expect(m).toBe(N)
    expect(keyEq.equals(rest2, expected)).toBe(true)
    expect(evaluate(k)(random.ChainRec.chainRec(0, (i: number) => of(i < N ? E.left(i + 1) : E.right(i))))).toBe(N)
  })

  it('traverseArray over a million elements, each a draw', () => {
    const xs = Array.from({ length: N }, (_, i) => i)
    const [out, rest] = timed('traverseArray, 10⁶ draws', () => run(k)(random.traverseArray((_: number, i: number) => map((d: Key) => [i, keyData(d)[0]] as const)(keyR))(xs)))
    expect(out.length).toBe(N)
    expect(out[N - 1]![0]).toBe(N - 1)
    expect(out.slice(0, 5).map(([, w]) => w)).toEqual(subWords(k, 5))
    expect(keyEq.equals(rest, expected)).toBe(true)
  })

  it('traverseArray whose elements are themselves long programs', () => {
    const deep = Array.from({ length: 1000 }).reduce((acc: Random<number>) => pipe(acc, chain((n: number) => map(() => n + 1)(keyR))), of(0))
    const out = evaluate(k)(random.traverseArray(() => deep)(Array.from({ length: 1000 }, (_, i) => i)))
    expect(out.every((n) => n === 1000)).toBe(true)
  })
})

describe('long sequences and traversals, ours and fp-ts generic ones, agree and run', () => {
  const k = random.key(1)
  const draw = (i: number) => map((d: Key) => keyData(d)[1] ^ i)(keyR)

  it('sequenceT over 20,000 programs', () => {
    const rs = Array.from({ length: 20_000 }, (_, i) => draw(i))
    const [ours, k1] = run(k)(random.sequenceT(rs[0]!, ...rs.slice(1)))
    expect(ours.length).toBe(rs.length)
    expect(keyEq.equals(k1, afterDraws(k, rs.length))).toBe(true)
    // fp-ts's own sequenceT nests one ap per argument (and copies its tuple per argument): 5,000 of them run too.
    const small = rs.slice(0, 5000)
    const [theirs, k2] = run(k)(fpSequenceT(random.Apply)(small[0]!, ...small.slice(1)))
    expect(theirs).toEqual(ours.slice(0, 5000))
    expect(keyEq.equals(k2, afterDraws(k, 5000))).toBe(true)
  })

  it('sequenceS and traverseRecord over 20,000 keys', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `k${String(i).padStart(5, '0')}`)
    const record = Object.fromEntries(names.map((n, i) => [n, draw(i)]))
    const [ours, k1] = run(k)(random.sequenceS(record))
    expect(Object.keys(ours)).toEqual(names)
    expect(keyEq.equals(k1, afterDraws(k, names.length))).toBe(true)
    const sizes = Object.fromEntries(names.map((n, i) => [n, i]))
    const [traversed, k2] = run(k)(random.traverseRecord(draw)(sizes))
    expect(traversed).toEqual(ours)
    expect(keyEq.equals(k2, k1)).toBe(true)
    // fp-ts's generic versions give the same (on 1,000 keys: they copy the record per entry, so they are quadratic).
    const some = Object.fromEntries(names.slice(0, 1000).map((n) => [n, record[n]!]))
    expect(run(k)(fpSequenceS(random.Apply)(some))).toEqual(run(k)(random.sequenceS(some)))
    const someSizes = Object.fromEntries(names.slice(0, 1000).map((n, i) => [n, i]))
    expect(run(k)(RR.traverse(random.Applicative)(draw)(someSizes))).toEqual(run(k)(random.traverseRecord(draw)(someSizes)))
  })

  it("fp-ts's generic ReadonlyArray.sequence over 10,000 programs", () => {
    const rs = Array.from({ length: 10_000 }, (_, i) => draw(i))
    const [theirs, k1] = run(k)(RA.sequence(random.Applicative)(rs))
    const [ours, k2] = run(k)(random.traverseArray((r: Random<number>) => r)(rs))
    expect(theirs).toEqual(ours)
    expect(keyEq.equals(k1, k2)).toBe(true)
  })

  it('a hand-written Random is one step of the loop', () => {
    const byHand: Random<number> = (key) => {
      const [next, sub] = split(key)
      return [keyData(sub)[0], next]
    }
    const prog = Array.from({ length: 100_000 }).reduce((acc: Random<number>) => pipe(acc, chain(() => byHand)), of(0))
    const [w, rest] = run(k)(prog)
    expect(w).toBe(subWords(afterDraws(k, 99_999), 1)[0])
    expect(keyEq.equals(rest, afterDraws(k, 100_000))).toBe(true)
  })
})
