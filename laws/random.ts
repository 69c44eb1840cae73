/**
 * Laws of keys and of the `Random` effect, each as a predicate (`…Law`,
 * returns a boolean) and as a fast-check property built from your
 * arbitraries (`…Property`, run it with `fc.assert(prop, params)`).
 *
 * Two `Random` values are equal on a key when running both on that key gives
 * equal results (by your `Eq`) and the same final key. `Random` is the State
 * monad over keys, so every law below holds exactly, for every key. Each side
 * runs on its own `random.clone` of the key, so the laws also hold under
 * `random.checkKeyReuse`.
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as random from '../src/random/index.js'
import type { Key, Random } from '../src/random/index.js'

const { ap, chain, chainRec, map, of } = random

/**
 * Equality of two computations on one key: equal results and equal final keys.
 * Each runs on its own clone of `k` (`random.clone`), as the same key on purpose.
 * @example
 * import { randomEqAt } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * console.assert(randomEqAt(N.Eq, random.key(0)).equals(random.of(1), random.of(1)))
 * @since 0.1.0
 */
export const randomEqAt = <A>(eqA: Eq<A>, k: Key): Eq<Random<A>> => ({
  equals: (x, y) => {
    const [a, ka] = x(random.clone(k))
    const [b, kb] = y(random.clone(k))
    return eqA.equals(a, b) && random.keyEq.equals(ka, kb)
  },
})

/**
 * Functor identity: `map(id)` changes nothing.
 * @example
 * import { randomFunctorIdentityLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const size = random.map((t: { size: number }) => t.size)(random.normalR([3]))
 * console.assert(randomFunctorIdentityLaw(N.Eq, size, random.key(0)))
 * @since 0.1.0
 */
export const randomFunctorIdentityLaw = <A>(eqA: Eq<A>, fa: Random<A>, k: Key): boolean =>
  randomEqAt(eqA, k).equals(pipe(fa, map((a) => a)), fa)

/**
 * Functor composition: `map(g ∘ f)` is `map(f)` then `map(g)`.
 * @example
 * import { randomFunctorCompositionLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const u = random.map((t: { item: () => number }) => t.item())(random.uniformR([]))
 * console.assert(randomFunctorCompositionLaw(N.Eq, u, (x: number) => x * 2, (x) => x + 1, random.key(0)))
 * @since 0.1.0
 */
export const randomFunctorCompositionLaw = <A, B, C>(eqC: Eq<C>, fa: Random<A>, f: (a: A) => B, g: (b: B) => C, k: Key): boolean =>
  randomEqAt(eqC, k).equals(pipe(fa, map((a) => g(f(a)))), pipe(fa, map(f), map(g)))

/**
 * Applicative identity: applying `of(id)` changes nothing.
 * @example
 * import { randomApplicativeIdentityLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const n = random.map((k: random.Key) => random.keyData(k)[0])(random.keyR)
 * console.assert(randomApplicativeIdentityLaw(N.Eq, n, random.key(0)))
 * @since 0.1.0
 */
export const randomApplicativeIdentityLaw = <A>(eqA: Eq<A>, fa: Random<A>, k: Key): boolean =>
  randomEqAt(eqA, k).equals(pipe(of((a: A) => a), ap(fa)), fa)

/**
 * Applicative homomorphism: `of(f)` applied to `of(a)` is `of(f(a))`.
 * @example
 * import { randomApplicativeHomomorphismLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * console.assert(randomApplicativeHomomorphismLaw(N.Eq, 2, (x: number) => x * x, random.key(0)))
 * @since 0.1.0
 */
export const randomApplicativeHomomorphismLaw = <A, B>(eqB: Eq<B>, a: A, f: (a: A) => B, k: Key): boolean =>
  randomEqAt(eqB, k).equals(pipe(of(f), ap(of(a))), of(f(a)))

/**
 * Applicative interchange: `fab` applied to `of(a)` is `of(f ↦ f(a))` applied to `fab`.
 * @example
 * import { randomApplicativeInterchangeLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const scale = random.map((t: { item: () => number }) => (x: number) => x * t.item())(random.uniformR([]))
 * console.assert(randomApplicativeInterchangeLaw(N.Eq, 3, scale, random.key(0)))
 * @since 0.1.0
 */
export const randomApplicativeInterchangeLaw = <A, B>(eqB: Eq<B>, a: A, fab: Random<(a: A) => B>, k: Key): boolean =>
  randomEqAt(eqB, k).equals(pipe(fab, ap(of(a))), pipe(of((f: (a: A) => B) => f(a)), ap(fab)))

/**
 * Applicative composition: applying composed functions is composing applications.
 * @example
 * import { randomApplicativeCompositionLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const u = random.map((t: { item: () => number }) => t.item())(random.uniformR([]))
 * const add = random.map((a: number) => (x: number) => x + a)(u)
 * console.assert(randomApplicativeCompositionLaw(N.Eq, add, add, u, random.key(0)))
 * @since 0.1.0
 */
export const randomApplicativeCompositionLaw = <A, B, C>(
  eqC: Eq<C>,
  fbc: Random<(b: B) => C>,
  fab: Random<(a: A) => B>,
  fa: Random<A>,
  k: Key,
): boolean =>
  randomEqAt(eqC, k).equals(
    pipe(
      fbc,
      map((bc: (b: B) => C) => (ab: (a: A) => B) => (a: A) => bc(ab(a))),
      ap(fab),
      ap(fa),
    ),
    pipe(fbc, ap(pipe(fab, ap(fa)))),
  )

/**
 * Monad left identity: `chain(f)(of(a))` is `f(a)`.
 * @example
 * import { randomLeftIdentityLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const sizeOf = (n: number) => random.map((t: { size: number }) => t.size)(random.normalR([n]))
 * console.assert(randomLeftIdentityLaw(N.Eq, 4, sizeOf, random.key(0)))
 * @since 0.1.0
 */
export const randomLeftIdentityLaw = <A, B>(eqB: Eq<B>, a: A, f: (a: A) => Random<B>, k: Key): boolean =>
  randomEqAt(eqB, k).equals(pipe(of(a), chain(f)), f(a))

/**
 * Monad right identity: `chain(of)` changes nothing.
 * @example
 * import { randomRightIdentityLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const u = random.map((t: { item: () => number }) => t.item())(random.uniformR([]))
 * console.assert(randomRightIdentityLaw(N.Eq, u, random.key(0)))
 * @since 0.1.0
 */
export const randomRightIdentityLaw = <A>(eqA: Eq<A>, fa: Random<A>, k: Key): boolean =>
  randomEqAt(eqA, k).equals(pipe(fa, chain(of)), fa)

/**
 * Monad associativity: `chain(f)` then `chain(g)` is `chain(a ↦ chain(g)(f(a)))`.
 * @example
 * import { randomAssociativityLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const draw = (n: number) => random.map((t: { size: number }) => t.size + n)(random.uniformR([2]))
 * console.assert(randomAssociativityLaw(N.Eq, draw(0), draw, draw, random.key(0)))
 * @since 0.1.0
 */
export const randomAssociativityLaw = <A, B, C>(eqC: Eq<C>, fa: Random<A>, f: (a: A) => Random<B>, g: (b: B) => Random<C>, k: Key): boolean =>
  randomEqAt(eqC, k).equals(pipe(fa, chain(f), chain(g)), pipe(fa, chain((a) => pipe(f(a), chain(g)))))

/**
 * Apply–Chain consistency: `ap` is the `ap` derived from `chain`.
 * @example
 * import { randomApChainLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const u = random.map((t: { item: () => number }) => t.item())(random.uniformR([]))
 * console.assert(randomApChainLaw(N.Eq, random.map((a: number) => (b: number) => a - b)(u), u, random.key(0)))
 * @since 0.1.0
 */
export const randomApChainLaw = <A, B>(eqB: Eq<B>, fab: Random<(a: A) => B>, fa: Random<A>, k: Key): boolean =>
  randomEqAt(eqB, k).equals(pipe(fab, ap(fa)), pipe(fab, chain((f) => pipe(fa, map(f)))))

/**
 * ChainRec: `chainRec(a, f)` is the recursive chain it stands for,
 * `rec(a) = chain(f(a), e => isLeft(e) ? rec(e.left) : of(e.right))` — the
 * same value and the same final key, however many steps it takes.
 * @example
 * import { randomChainRecLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * // count down from n, one draw per step, and end with the last word drawn
 * const step = (n: number) => random.map((b: { data: Uint32Array }) => (n === 0 ? E.right(b.data[0]!) : E.left(n - 1)))(random.bitsR([1]))
 * console.assert(randomChainRecLaw(N.Eq, 5, step, random.key(0)))
 * @since 0.1.0
 */
export const randomChainRecLaw = <A, B>(eqB: Eq<B>, a: A, f: (a: A) => Random<Either<A, B>>, k: Key): boolean => {
  const rec = (x: A): Random<B> => pipe(f(x), chain((e: Either<A, B>) => (E.isLeft(e) ? rec(e.left) : of(e.right))))
  return randomEqAt(eqB, k).equals(chainRec(a, f), rec(a))
}

/**
 * Determinism: running twice on one key gives equal results and equal final keys.
 * @example
 * import { randomDeterminismLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * import * as N from 'fp-ts/lib/number.js'
 * const u = random.map((t: { item: () => number }) => t.item())(random.uniformR([]))
 * console.assert(randomDeterminismLaw(N.Eq, u, random.key(0)))
 * @since 0.1.0
 */
export const randomDeterminismLaw = <A>(eqA: Eq<A>, fa: Random<A>, k: Key): boolean => randomEqAt(eqA, k).equals(fa, fa)

/**
 * `split(k, n)[i]` equals `foldIn(k, i)` for every `i < n` (JAX's
 * partitionable threefry), and the `n` keys are pairwise distinct.
 *
 * @example
 * import { splitFoldInLaw } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * console.assert(splitFoldInLaw(random.key(0), 4))
 * @since 0.1.0
 */
export const splitFoldInLaw = (k: Key, n: number): boolean => {
  const keys = [...random.split(k, n)]
  const distinct = new Set(keys.map((x) => random.keyData(x).join())).size === n
  return distinct && keys.length === n && keys.every((x, i) => random.keyEq.equals(x, random.foldIn(k, i)))
}

/**
 * Keys drawn from integer seeds (`random.key`) or from raw uint32 words
 * (`random.wrapKeyData`); shrinks towards small seeds.
 *
 * @example
 * import fc from 'fast-check'
 * import { keyArb } from 'grad-ts/laws'
 * import { random } from 'grad-ts'
 * fc.assert(fc.property(keyArb(), (k) => random.isKey(k)))
 * @since 0.1.0
 */
export const keyArb = (): fc.Arbitrary<Key> =>
  fc.oneof(
    fc.maxSafeInteger().map((s) => random.key(s)),
    fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })).map((w) => random.wrapKeyData(w)),
  )

/** `n` key draws whose words are handed to `g` with `x`: a result that really depends on the key. */
const fromDraws = <X, B>(g: (x: X, words: readonly number[]) => B, n: number) => (x: X): Random<B> =>
  pipe(
    random.traverseArray(() => random.bitsR([1]))(Array.from({ length: n }, (_, i) => i)),
    map((bs) => g(x, bs.map((b) => b.data[0]!))),
  )

/**
 * Terminating `chainRec` steps `n ↦ Random<Either<number, B>>` with results
 * from `arbB`: each step makes 0–3 draws, then ends (`right`, a result picked
 * from `n` and the draws) when `n ≤ 0` or when it drew and its first word is a
 * multiple of 4, and otherwise continues with `left(n − 1)`. So a loop started at `n`
 * takes at most `n + 1` steps, and how many depends on the key.
 *
 * @example
 * import fc from 'fast-check'
 * import { randomChainRecStepArb, randomChainRecLaw, keyArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(fc.property(fc.nat(20), randomChainRecStepArb(fc.integer()), keyArb(), (n, f, k) => randomChainRecLaw(N.Eq, n, f, k)), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomChainRecStepArb = <B>(arbB: fc.Arbitrary<B>): fc.Arbitrary<(n: number) => Random<Either<number, B>>> =>
  fc.tuple(fc.func<[number, readonly number[]], B>(arbB), fc.integer({ min: 0, max: 3 })).map(
    ([g, draws]) =>
      (n: number) =>
        fromDraws((m: number, words: readonly number[]): Either<number, B> => (m <= 0 || (words.length > 0 && words[0]! % 4 === 0) ? E.right(g(m, words)) : E.left(m - 1)), draws)(n),
  )

/**
 * Random computations with results from `arbA`: pure values, and programs that
 * make 1–3 draws and pick a result from what they drew.
 *
 * @example
 * import fc from 'fast-check'
 * import { randomArb, randomDeterminismLaw, keyArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(fc.property(randomArb(fc.integer()), keyArb(), (ra, k) => randomDeterminismLaw(N.Eq, ra, k)))
 * @since 0.1.0
 */
export const randomArb = <A>(arbA: fc.Arbitrary<A>): fc.Arbitrary<Random<A>> =>
  fc.oneof(
    arbA.map((a) => of(a)),
    fc.tuple(fc.func<[null, readonly number[]], A>(arbA), fc.integer({ min: 1, max: 3 })).map(([g, n]) => fromDraws(g, n)(null)),
  )

/**
 * Kleisli arrows `A → Random<B>` (for any `A`) with results from `arbB`: pure
 * ones, and ones that make 1–3 draws and combine them with their argument.
 *
 * @example
 * import fc from 'fast-check'
 * import { randomKleisliArb, randomLeftIdentityLaw, keyArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(fc.property(fc.integer(), randomKleisliArb(fc.integer()), keyArb(), (a, f, k) => randomLeftIdentityLaw(N.Eq, a, f, k)))
 * @since 0.1.0
 */
export const randomKleisliArb = <B>(arbB: fc.Arbitrary<B>): fc.Arbitrary<(a: unknown) => Random<B>> =>
  fc.oneof(
    fc.func<[unknown], B>(arbB).map((g) => (a: unknown) => of(g(a))),
    fc.tuple(fc.func<[unknown, readonly number[]], B>(arbB), fc.integer({ min: 1, max: 3 })).map(([g, n]) => fromDraws(g, n)),
  )

/**
 * The functor laws as properties.
 * @example
 * import fc from 'fast-check'
 * import { randomArb, randomFunctorIdentityProperty } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomFunctorIdentityProperty(N.Eq, randomArb(fc.integer())), { numRuns: 50 })
 * @since 0.1.0
 */
export const randomFunctorIdentityProperty = <A>(eqA: Eq<A>, fa: fc.Arbitrary<Random<A>>) =>
  fc.property(fa, keyArb(), (x, k) => randomFunctorIdentityLaw(eqA, x, k))

/**
 * Functor composition as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomFunctorCompositionProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomFunctorCompositionProperty(N.Eq, randomArb(fc.integer()), fc.func(fc.integer()), fc.func(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomFunctorCompositionProperty = <A, B, C>(
  eqC: Eq<C>,
  fa: fc.Arbitrary<Random<A>>,
  f: fc.Arbitrary<(a: A) => B>,
  g: fc.Arbitrary<(b: B) => C>,
) => fc.property(fa, f, g, keyArb(), (x, f1, g1, k) => randomFunctorCompositionLaw(eqC, x, f1, g1, k))

/**
 * Applicative identity as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomApplicativeIdentityProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomApplicativeIdentityProperty(N.Eq, randomArb(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomApplicativeIdentityProperty = <A>(eqA: Eq<A>, fa: fc.Arbitrary<Random<A>>) =>
  fc.property(fa, keyArb(), (x, k) => randomApplicativeIdentityLaw(eqA, x, k))

/**
 * Applicative homomorphism as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomApplicativeHomomorphismProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomApplicativeHomomorphismProperty(N.Eq, fc.integer(), fc.func(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomApplicativeHomomorphismProperty = <A, B>(eqB: Eq<B>, a: fc.Arbitrary<A>, f: fc.Arbitrary<(a: A) => B>) =>
  fc.property(a, f, keyArb(), (a1, f1, k) => randomApplicativeHomomorphismLaw(eqB, a1, f1, k))

/**
 * Applicative interchange as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomApplicativeInterchangeProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomApplicativeInterchangeProperty(N.Eq, fc.integer(), randomArb(fc.func<[number], number>(fc.integer()))), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomApplicativeInterchangeProperty = <A, B>(eqB: Eq<B>, a: fc.Arbitrary<A>, fab: fc.Arbitrary<Random<(a: A) => B>>) =>
  fc.property(a, fab, keyArb(), (a1, f1, k) => randomApplicativeInterchangeLaw(eqB, a1, f1, k))

/**
 * Applicative composition as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomApplicativeCompositionProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomApplicativeCompositionProperty(N.Eq, randomArb(fc.func<[number], number>(fc.integer())), randomArb(fc.func<[number], number>(fc.integer())), randomArb(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomApplicativeCompositionProperty = <A, B, C>(
  eqC: Eq<C>,
  fbc: fc.Arbitrary<Random<(b: B) => C>>,
  fab: fc.Arbitrary<Random<(a: A) => B>>,
  fa: fc.Arbitrary<Random<A>>,
) => fc.property(fbc, fab, fa, keyArb(), (x, y, z, k) => randomApplicativeCompositionLaw(eqC, x, y, z, k))

/**
 * The monad laws as properties.
 * @example
 * import fc from 'fast-check'
 * import { randomArb, randomKleisliArb, randomAssociativityProperty } from 'grad-ts/laws'
 * import * as S from 'fp-ts/lib/string.js'
 * const k = randomKleisliArb(fc.string())
 * fc.assert(randomAssociativityProperty(S.Eq, randomArb(fc.string()), k, k), { numRuns: 50 })
 * @since 0.1.0
 */
export const randomAssociativityProperty = <A, B, C>(
  eqC: Eq<C>,
  fa: fc.Arbitrary<Random<A>>,
  f: fc.Arbitrary<(a: A) => Random<B>>,
  g: fc.Arbitrary<(b: B) => Random<C>>,
) => fc.property(fa, f, g, keyArb(), (x, f1, g1, k) => randomAssociativityLaw(eqC, x, f1, g1, k))

/**
 * Monad left identity as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomLeftIdentityProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomLeftIdentityProperty(N.Eq, fc.integer(), randomKleisliArb(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomLeftIdentityProperty = <A, B>(eqB: Eq<B>, a: fc.Arbitrary<A>, f: fc.Arbitrary<(a: A) => Random<B>>) =>
  fc.property(a, f, keyArb(), (a1, f1, k) => randomLeftIdentityLaw(eqB, a1, f1, k))

/**
 * Monad right identity as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomRightIdentityProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomRightIdentityProperty(N.Eq, randomArb(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomRightIdentityProperty = <A>(eqA: Eq<A>, fa: fc.Arbitrary<Random<A>>) =>
  fc.property(fa, keyArb(), (x, k) => randomRightIdentityLaw(eqA, x, k))

/**
 * Apply–Chain consistency as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomApChainProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomApChainProperty(N.Eq, randomArb(fc.func<[number], number>(fc.integer())), randomArb(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomApChainProperty = <A, B>(eqB: Eq<B>, fab: fc.Arbitrary<Random<(a: A) => B>>, fa: fc.Arbitrary<Random<A>>) =>
  fc.property(fab, fa, keyArb(), (f1, x, k) => randomApChainLaw(eqB, f1, x, k))

/**
 * The ChainRec law as a property over your arbitraries and {@link keyArb} keys:
 * start values from `a` and steps from `f`, which must terminate (see
 * {@link randomChainRecStepArb}).
 * @example
 * import fc from 'fast-check'
 * import { randomChainRecProperty, randomChainRecStepArb } from 'grad-ts/laws'
 * import * as S from 'fp-ts/lib/string.js'
 * fc.assert(randomChainRecProperty(S.Eq, fc.nat(30), randomChainRecStepArb(fc.string())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomChainRecProperty = <A, B>(eqB: Eq<B>, a: fc.Arbitrary<A>, f: fc.Arbitrary<(a: A) => Random<Either<A, B>>>) =>
  fc.property(a, f, keyArb(), (a1, f1, k) => randomChainRecLaw(eqB, a1, f1, k))

/**
 * Determinism as a property over your arbitraries and {@link keyArb} keys.
 * @example
 * import fc from 'fast-check'
 * import { randomDeterminismProperty, randomArb, randomKleisliArb } from 'grad-ts/laws'
 * import * as N from 'fp-ts/lib/number.js'
 * fc.assert(randomDeterminismProperty(N.Eq, randomArb(fc.integer())), { numRuns: 20 })
 * @since 0.1.0
 */
export const randomDeterminismProperty = <A>(eqA: Eq<A>, fa: fc.Arbitrary<Random<A>>) =>
  fc.property(fa, keyArb(), (x, k) => randomDeterminismLaw(eqA, x, k))

/**
 * `split`/`foldIn` consistency for keys from `keys` (default {@link keyArb})
 * and `n` from `counts` (default 0–64).
 *
 * @example
 * import fc from 'fast-check'
 * import { splitFoldInProperty } from 'grad-ts/laws'
 * fc.assert(splitFoldInProperty(), { numRuns: 50 })
 * @since 0.1.0
 */
export const splitFoldInProperty = (keys: fc.Arbitrary<Key> = keyArb(), counts: fc.Arbitrary<number> = fc.integer({ min: 0, max: 64 })) =>
  fc.property(keys, counts, (k, n) => splitFoldInLaw(k, n))
