/**
 * `Random<A>`: a computation that needs randomness, as a value. It is the
 * State monad over keys, `(key) => [a, nextKey]`: each primitive draw splits
 * the incoming key, `[next, sub] = split(key)`, samples from `sub` and passes
 * `next` on. Run it with {@link run} (or {@link evaluate}) and one key.
 *
 * Why State and not a splitting Reader (`(key) => a`, where `chain` splits the
 * key between its two halves)? State satisfies the monad laws *exactly* — the
 * same program on the same key gives the same value and the same final key
 * whichever way it is associated — so the laws in `grad-ts/laws` are checked
 * with `===`, not with statistics. A splitting Reader changes which key each
 * draw sees when a `chain` is reassociated, so its laws hold only in
 * distribution. The price: draws are sequenced, and inserting a draw changes
 * the keys of the draws after it.
 *
 * Combinators are data-last (`pipe(ra, map(f))`); the fp-ts instances are the
 * constants `Functor`, `Apply`, `Applicative`, `Chain`, `Monad`.
 */
import type { Applicative1 } from 'fp-ts/lib/Applicative.js'
import { sequenceS as sequenceS_, sequenceT as sequenceT_ } from 'fp-ts/lib/Apply.js'
import type { Apply1 } from 'fp-ts/lib/Apply.js'
import type { Chain1 } from 'fp-ts/lib/Chain.js'
import type { Functor1 } from 'fp-ts/lib/Functor.js'
import type { Monad1 } from 'fp-ts/lib/Monad.js'
import * as RR from 'fp-ts/lib/ReadonlyRecord.js'
import type { FloatDType } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'
import { type Key, split } from './key.js'
import { type UniformOptions, bernoulli, bits, normal, uniform } from './sample.js'

/**
 * A computation that draws random values: given a key, a result and the key
 * to continue with.
 * @since 0.1.0
 */
export type Random<A> = (key: Key) => readonly [A, Key]

/**
 * The fp-ts URI of `Random`, under which its type is registered in fp-ts's `URItoKind`.
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.Monad.URI === random.URI)
 * @since 0.1.0
 */
export const URI = 'grad-ts/Random'
/** @since 0.1.0 */
export type URI = typeof URI

declare module 'fp-ts/lib/HKT' {
  interface URItoKind<A> {
    readonly [URI]: Random<A>
  }
}

/**
 * A value that draws nothing: the key passes through unchanged.
 *
 * @example
 * import { random } from 'grad-ts'
 * const k = random.key(0)
 * const [a, k2] = random.of(42)(k)
 * console.assert(a === 42 && k2 === k)
 * @since 0.1.0
 */
export const of = <A>(a: A): Random<A> => (k) => [a, k]

/**
 * Applies a function to the result; draws what `ra` draws.
 *
 * @example
 * import { random } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const size = pipe(random.normalR([3]), random.map((t) => t.size))
 * console.assert(random.evaluate(random.key(0))(size) === 3)
 * @since 0.1.0
 */
export const map =
  <A, B>(f: (a: A) => B) =>
  (ra: Random<A>): Random<B> =>
  (k) => {
    const [a, next] = ra(k)
    return [f(a), next]
  }

/**
 * Sequences a computation after another that depends on its result: `f(a)`
 * runs on the key `ra` leaves. `flatMap` is the same function.
 *
 * @example
 * import { random } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * // the second draw's range depends on the first draw
 * const nested = pipe(random.uniformR([]), random.chain((u) => random.uniformR([2], { maxval: 1 + u.item() })))
 * console.assert(random.evaluate(random.key(0))(nested).toTypedArray().every((x) => x < 2))
 * @since 0.1.0
 */
export const chain =
  <A, B>(f: (a: A) => Random<B>) =>
  (ra: Random<A>): Random<B> =>
  (k) => {
    const [a, next] = ra(k)
    return f(a)(next)
  }

/**
 * Alias of {@link chain} (fp-ts ≥ 2.14 naming).
 *
 * @example
 * import { random } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const keyWords = pipe(random.keyR, random.flatMap((k) => random.of(random.keyData(k))))
 * console.assert(random.evaluate(random.key(0))(keyWords).join() === '928981903,3453687069')
 * @since 0.1.0
 */
export const flatMap = chain

/**
 * Applies a function drawn first to a value drawn second (left to right,
 * consistent with `chain`).
 *
 * @example
 * import { random } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const sum = pipe(random.of((a: number) => a + 1), random.ap(random.of(1)))
 * console.assert(random.evaluate(random.key(0))(sum) === 2)
 * @since 0.1.0
 */
export const ap =
  <A>(ra: Random<A>) =>
  <B>(rab: Random<(a: A) => B>): Random<B> =>
  (k) => {
    const [f, k1] = rab(k)
    const [a, k2] = ra(k1)
    return [f(a), k2]
  }

/**
 * Runs a computation on a key: its result and the key left over.
 *
 * @example
 * import { random } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * const [t, rest] = pipe(random.uniformR([2]), random.run(random.key(0)))
 * console.assert(t.size === 2 && random.keyEq.equals(rest, random.split(random.key(0))[0]))
 * @since 0.1.0
 */
export const run =
  (k: Key) =>
  <A>(ra: Random<A>): readonly [A, Key] =>
    ra(k)

/**
 * Runs a computation on a key and keeps only its result.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.evaluate(random.key(0))(random.of('x')) === 'x')
 * @since 0.1.0
 */
export const evaluate =
  (k: Key) =>
  <A>(ra: Random<A>): A =>
    ra(k)[0]

/**
 * Runs a computation on a key and keeps only the key left over.
 *
 * @example
 * import { random } from 'grad-ts'
 * const k = random.key(0)
 * console.assert(random.execute(k)(random.of(1)) === k)
 * @since 0.1.0
 */
export const execute =
  (k: Key) =>
  <A>(ra: Random<A>): Key =>
    ra(k)[1]

/**
 * The Functor instance.
 * @example
 * import { random } from 'grad-ts'
 * const doubled = random.Functor.map(random.of(21), (n) => 2 * n)
 * console.assert(random.evaluate(random.key(0))(doubled) === 42)
 * @since 0.1.0
 */
export const Functor: Functor1<URI> = { URI, map: (fa, f) => map(f)(fa) }
/**
 * The Apply instance; effects run left to right, so the key is threaded
 * through the first computation before the second.
 * @example
 * import { random } from 'grad-ts'
 * import { sequenceS } from 'fp-ts/lib/Apply.js'
 * const draws = sequenceS(random.Apply)({ a: random.uniformR([2]), b: random.uniformR([2]) })
 * const { a, b } = random.evaluate(random.key(0))(draws)
 * console.assert(a.toTypedArray().join() !== b.toTypedArray().join())
 * @since 0.1.0
 */
export const Apply: Apply1<URI> = { ...Functor, ap: (fab, fa) => ap(fa)(fab) }
/**
 * The Applicative instance: `of` draws nothing and leaves the key as it was.
 * @example
 * import { random } from 'grad-ts'
 * const k = random.key(7)
 * const [value, next] = random.run(k)(random.Applicative.of('no randomness'))
 * console.assert(value === 'no randomness' && random.keyEq.equals(next, k))
 * @since 0.1.0
 */
export const Applicative: Applicative1<URI> = { ...Apply, of }
/**
 * The Chain instance: the second computation may depend on the first's value.
 * @example
 * import { random } from 'grad-ts'
 * const shapeThenDraw = random.Chain.chain(random.of(3), (n) => random.uniformR([n]))
 * console.assert(random.evaluate(random.key(0))(shapeThenDraw).size === 3)
 * @since 0.1.0
 */
export const Chain: Chain1<URI> = { ...Apply, chain: (fa, f) => chain(f)(fa) }
/**
 * The Monad instance: lawful exactly (see the module comment).
 *
 * @example
 * import { random } from 'grad-ts'
 * import { sequenceT } from 'fp-ts/lib/Apply.js'
 * const pair = sequenceT(random.Monad)(random.uniformR([1]), random.normalR([2]))
 * const [u, z] = random.evaluate(random.key(0))(pair)
 * console.assert(u.size === 1 && z.size === 2)
 * @since 0.1.0
 */
export const Monad: Monad1<URI> = { ...Applicative, chain: Chain.chain }

/**
 * Draws several values into a tuple, left to right (fp-ts `sequenceT`).
 *
 * @example
 * import { random } from 'grad-ts'
 * const [a, b] = random.evaluate(random.key(0))(random.sequenceT(random.uniformR([]), random.uniformR([])))
 * console.assert(a.item() !== b.item())
 * @since 0.1.0
 */
export const sequenceT = sequenceT_(Apply)

/**
 * Draws a record of values, in the record's key order (fp-ts `sequenceS`).
 *
 * @example
 * import { random } from 'grad-ts'
 * const masks = random.sequenceS({ h1: random.bernoulliR(0.5, [4]), h2: random.bernoulliR(0.5, [3]) })
 * const { h1, h2 } = random.evaluate(random.key(0))(masks)
 * console.assert(h1.size === 4 && h2.size === 3)
 * @since 0.1.0
 */
export const sequenceS = sequenceS_(Apply)

/**
 * Draws one value per array element, left to right. Equal (same values, same
 * final key) to fp-ts's `ReadonlyArray.traverse(Applicative)`, but a plain
 * loop: stack-safe and linear for long arrays.
 *
 * @example
 * import { random } from 'grad-ts'
 * const layers = random.traverseArray((n: number) => random.bernoulliR(0.8, [n]))([784, 1024, 10])
 * console.assert(random.evaluate(random.key(0))(layers).map((m) => m.size).join() === '784,1024,10')
 * @since 0.1.0
 */
export const traverseArray =
  <A, B>(f: (a: A, i: number) => Random<B>) =>
  (as: readonly A[]): Random<readonly B[]> =>
  (k) => {
    const out: B[] = []
    let cur = k
    for (let i = 0; i < as.length; i++) {
      const [b, next] = f(as[i]!, i)(cur)
      out.push(b)
      cur = next
    }
    return [out, cur]
  }

/**
 * Draws one value per record entry, in sorted key order (fp-ts's
 * `ReadonlyRecord.traverse(Applicative)`, which it is).
 *
 * @example
 * import { random } from 'grad-ts'
 * const noise = random.traverseRecord((n: number) => random.normalR([n]))({ w: 6, b: 2 })
 * const r = random.evaluate(random.key(0))(noise)
 * console.assert(r.w.size === 6 && r.b.size === 2)
 * @since 0.1.0
 */
export const traverseRecord =
  <A, B>(f: (a: A) => Random<B>) =>
  <K extends string>(r: Readonly<Record<K, A>>): Random<Readonly<Record<K, B>>> =>
    RR.traverse(Applicative)(f)(r)

const draw =
  <A>(sample: (sub: Key) => A): Random<A> =>
  (k) => {
    const [next, sub] = split(k)
    return [sample(sub), next]
  }

/**
 * Draws a fresh key (the `sub` of `[next, sub] = split(key)`), for code that
 * wants a plain key, e.g. to call {@link foldIn} per step.
 *
 * @example
 * import { random } from 'grad-ts'
 * const [k, rest] = random.keyR(random.key(0))
 * console.assert(random.keyEq.equals(k, random.split(random.key(0))[1]) && !random.keyEq.equals(k, rest))
 * @since 0.1.0
 */
export const keyR: Random<Key> = draw((sub) => sub)

/**
 * Draws uniform bits: {@link bits} on a fresh subkey.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.evaluate(random.key(0))(random.bitsR([5])).data.length === 5)
 * @since 0.1.0
 */
export const bitsR = (shape: readonly number[]): Random<{ readonly shape: Shape; readonly data: Uint32Array }> =>
  draw((sub) => bits(sub, shape))

/**
 * Draws uniform samples: {@link uniform} on a fresh subkey.
 *
 * @example
 * import { random } from 'grad-ts'
 * const u = random.evaluate(random.key(0))(random.uniformR([3], { minval: 2, maxval: 4 }))
 * console.assert(u.toTypedArray().every((x) => x >= 2 && x < 4))
 * @since 0.1.0
 */
export const uniformR = (shape: readonly number[], opts: UniformOptions = {}): Random<Tensor> =>
  draw((sub) => uniform(sub, shape, opts))

/**
 * Draws standard normal samples: {@link normal} on a fresh subkey.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.evaluate(random.key(0))(random.normalR([2, 2], 'float64')).dtype === 'float64')
 * @since 0.1.0
 */
export const normalR = (shape: readonly number[], dtype: FloatDType = 'float32'): Random<Tensor> =>
  draw((sub) => normal(sub, shape, dtype))

/**
 * Draws a Bernoulli mask: {@link bernoulli} on a fresh subkey.
 *
 * @example
 * import { random } from 'grad-ts'
 * const keep = random.evaluate(random.key(0))(random.bernoulliR(1, [3]))
 * console.assert(keep.toTypedArray().join() === '1,1,1')
 * @since 0.1.0
 */
export const bernoulliR = (p: number | Tensor, shape?: readonly number[]): Random<Tensor> =>
  draw((sub) => bernoulli(sub, p, shape))
