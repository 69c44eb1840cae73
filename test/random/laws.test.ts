import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as N from 'fp-ts/lib/number.js'
import * as S from 'fp-ts/lib/string.js'
import * as random from '../../src/random/index.js'
import type { Tensor } from '../../src/core/tensor.js'
import type { Random } from '../../src/random/index.js'
import {
  keyArb,
  randomApChainProperty,
  randomApplicativeCompositionProperty,
  randomApplicativeHomomorphismProperty,
  randomApplicativeIdentityProperty,
  randomApplicativeInterchangeProperty,
  randomArb,
  randomAssociativityProperty,
  randomChainRecLaw,
  randomChainRecProperty,
  randomChainRecStepArb,
  randomDeterminismLaw,
  randomDeterminismProperty,
  randomEqAt,
  randomFunctorCompositionProperty,
  randomFunctorIdentityLaw,
  randomFunctorIdentityProperty,
  randomKleisliArb,
  randomLeftIdentityProperty,
  randomRightIdentityLaw,
  randomRightIdentityProperty,
  splitFoldInLaw,
  splitFoldInProperty,
} from '../../laws/random.js'

const params = { numRuns: 200 }
const ints = randomArb(fc.integer())
const strs = randomArb(fc.string({ maxLength: 4 }))
const toStr = fc.func<[number], string>(fc.string({ maxLength: 4 }))
const strToInt = fc.func<[string], number>(fc.integer())

describe('Random satisfies its laws exactly (fast-check)', () => {
  it('functor identity and composition', () => {
    fc.assert(randomFunctorIdentityProperty(N.Eq, ints), params)
    fc.assert(randomFunctorCompositionProperty(N.Eq, ints, toStr, strToInt), params)
  })

  it('applicative identity, homomorphism, interchange, composition', () => {
    fc.assert(randomApplicativeIdentityProperty(S.Eq, strs), params)
    fc.assert(randomApplicativeHomomorphismProperty(S.Eq, fc.integer(), toStr), params)
    fc.assert(randomApplicativeInterchangeProperty(S.Eq, fc.integer(), randomArb(toStr)), params)
    fc.assert(randomApplicativeCompositionProperty(N.Eq, randomArb(strToInt), randomArb(toStr), ints), params)
  })

  it('monad left identity, right identity, associativity, and ap = ap from chain', () => {
    fc.assert(randomLeftIdentityProperty(S.Eq, fc.integer(), randomKleisliArb(fc.string({ maxLength: 4 }))), params)
    fc.assert(randomRightIdentityProperty(N.Eq, ints), params)
    fc.assert(randomAssociativityProperty(N.Eq, strs, randomKleisliArb(fc.integer()), randomKleisliArb(fc.integer())), params)
    fc.assert(randomApChainProperty(S.Eq, randomArb(toStr), ints), params)
  })

  it('chainRec is the recursive chain it stands for', () => {
    fc.assert(randomChainRecProperty(N.Eq, fc.nat(40), randomChainRecStepArb(fc.integer())), params)
    fc.assert(randomChainRecProperty(S.Eq, fc.constant(0), randomChainRecStepArb(fc.string({ maxLength: 4 }))), params)
  })

  it('all of them hold under checkKeyReuse: each side runs on its own clone of the key', () => {
    random.checkKeyReuse(() => {
      fc.assert(randomAssociativityProperty(N.Eq, strs, randomKleisliArb(fc.integer()), randomKleisliArb(fc.integer())), { numRuns: 50 })
      fc.assert(randomChainRecProperty(N.Eq, fc.nat(40), randomChainRecStepArb(fc.integer())), { numRuns: 50 })
      fc.assert(randomDeterminismProperty(N.Eq, ints), { numRuns: 50 })
    })
  })

  it('determinism and split/foldIn consistency', () => {
    fc.assert(randomDeterminismProperty(N.Eq, ints), params)
    fc.assert(splitFoldInProperty(), params)
  })

  it('the arbitraries really draw: some generated programs move the key', () => {
    const moved = fc.sample(fc.tuple(ints, keyArb()), { numRuns: 100, seed: 1 }).filter(([ra, k]) => !random.keyEq.equals(ra(k)[1], k))
    expect(moved.length).toBeGreaterThan(10)
  })
})

describe('the law predicates can fail', () => {
  const k = random.key(0)

  it('determinism and functor identity fail for a computation with hidden state', () => {
    let calls = 0
    const impure: Random<number> = (key) => [calls++, key]
    expect(randomDeterminismLaw(N.Eq, impure, k)).toBe(false)
    expect(randomFunctorIdentityLaw(N.Eq, impure, k)).toBe(false)
  })

  it('the final key counts: equal values with different leftover keys are unequal', () => {
    let calls = 0
    const leaky: Random<number> = (key) => [0, random.foldIn(key, calls++)]
    expect(randomEqAt(N.Eq, k).equals(random.of(0), random.map((t: Tensor) => t.size - 1)(random.uniformR([])))).toBe(false)
    expect(randomRightIdentityLaw(N.Eq, leaky, k)).toBe(false)
  })

  it('chainRec threads the keys exactly as the unrolled chain does', () => {
    const step = (n: number): Random<E.Either<number, number>> => random.map(() => (n === 0 ? E.right(7) : E.left(n - 1)))(random.keyR)
    expect(randomChainRecLaw(N.Eq, 3, step, k)).toBe(true)
    const unrolled = random.chain(() => random.chain(() => random.chain(() => random.map(() => 7)(random.keyR))(random.keyR))(random.keyR))(random.keyR)
    expect(randomEqAt(N.Eq, k).equals(random.chainRec(3, step), unrolled)).toBe(true)
    // One step fewer is another program: the same value, another final key.
    expect(randomEqAt(N.Eq, k).equals(random.chainRec(2, step), unrolled)).toBe(false)
  })

  it('split/foldIn consistency compares the right keys', () => {
    expect(splitFoldInLaw(k, 4)).toBe(true)
    const keys = [...random.split(k, 4)]
    expect(keys.every((x, i) => random.keyEq.equals(x, random.foldIn(k, i + 1)))).toBe(false)
  })
})
