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
 * **Stack safety.** A `Random` built by this module is still a function of the
 * key, but it also carries a description of itself: a node `of`, `draw`,
 * `map`, `chain`, `ap`, `chainRec` or `traverse` pointing at its parts.
 * Calling it runs a loop that walks these nodes with an explicit stack of
 * continuations on the heap, so a program of any depth — a million
 * left-nested `chain`s, a recursive `chain`, `chainRec`, a long `sequenceT` or
 * `traverseArray` — runs in constant JavaScript stack. A function you write by
 * hand, `(key) => [a, next]`, is a `Random` too: the loop calls it as one step.
 *
 * Combinators are data-last (`pipe(ra, map(f))`); the fp-ts instances are the
 * constants `Functor`, `Apply`, `Applicative`, `Chain`, `Monad` and `ChainRec`.
 */
import type { Applicative1 } from 'fp-ts/lib/Applicative.js'
import type { Apply1 } from 'fp-ts/lib/Apply.js'
import type { Chain1 } from 'fp-ts/lib/Chain.js'
import type { ChainRec1 } from 'fp-ts/lib/ChainRec.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Functor1 } from 'fp-ts/lib/Functor.js'
import type { Monad1 } from 'fp-ts/lib/Monad.js'
import type { FloatDType } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'
import { type Key, consume, splitPair } from './key.js'
import { type UniformOptions, bernoulli, bits, normal, uniform } from './sample.js'
import { randintPlan } from './integers.js'
import { truncatedNormalPlan } from './truncated.js'
import { type CategoricalOptions, type ChoiceOptions, categoricalPlan, choicePlan, gumbelPlan } from './categorical.js'
import { type PermutationOptions, permutationPlan } from './shuffle.js'

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

// ---------------------------------------------------------------------------
// The representation: a node behind each program, and the loop that runs it.

const OF = 0 // x: the value
const DRAW = 1 // x: the name of the draw, y: the sampler of the subkey
const MAP = 2 // x: the program, y: the function
const CHAIN = 3 // x: the program, y: the Kleisli arrow
const AP = 4 // x: the program of the function, y: the program of the argument
const REC = 5 // x: the start value, y: the step (a ↦ Random<Either<a, b>>)
const TRAVERSE = 6 // x: the array, y: the Kleisli arrow (a, i) ↦ Random<b>

/** One node of a program; one class with three fields, so the loop's property reads stay monomorphic. */
class Node {
  constructor(
    readonly t: number,
    readonly x: unknown,
    readonly y: unknown,
  ) {}
}

const NODE = Symbol('grad-ts/Random')
type Program = Random<unknown> & { [NODE]?: Node }
type Kleisli = (a: unknown) => Random<unknown>

const program = <A>(t: number, x: unknown, y: unknown): Random<A> => {
  const node = new Node(t, x, y)
  const ra: Program = (k: Key) => interpret(node, k)
  ra[NODE] = node
  return ra as Random<A>
}

// Continuations on the loop's stack: a tag, then its payload.
const K_MAP = 0 // payload: the function to apply to the value
const K_CHAIN = 1 // payload: the Kleisli arrow to run on the value
const K_AP = 2 // payload: the argument's program (the value is the function, applied by a K_MAP)
const K_REC = 3 // payload: the chainRec step
const K_TRAVERSE = 4 // payload: a TraverseFrame

class TraverseFrame {
  i = 0
  readonly out: unknown[] = []
  constructor(
    readonly as: readonly unknown[],
    readonly f: (a: unknown, i: number) => Random<unknown>,
  ) {}
}

/** Runs a program on a key in constant JavaScript stack: its value and the key left over. */
const interpret = (root: Node, start: Key): readonly [unknown, Key] => {
  let key = start
  let value: unknown
  let node: Node | undefined = root
  let next: Program | undefined
  const stack: unknown[] = []
  for (;;) {
    if (next !== undefined) {
      node = next[NODE]
      if (node === undefined) {
        // A hand-written Random: one step.
        const r = next(key)
        value = r[0]
        key = r[1]
      }
      next = undefined
    }
    if (node !== undefined) {
      const n: Node = node
      node = undefined
      switch (n.t) {
        case OF:
          value = n.x
          break
        case DRAW: {
          const [rest, sub] = splitPair(consume(n.x as string, key))
          value = (n.y as (sub: Key) => unknown)(sub)
          key = rest
          break
        }
        case MAP:
          stack.push(K_MAP, n.y)
          next = n.x as Program
          continue
        case CHAIN:
          stack.push(K_CHAIN, n.y)
          next = n.x as Program
          continue
        case AP:
          stack.push(K_AP, n.y)
          next = n.x as Program
          continue
        case REC:
          stack.push(K_REC, n.y)
          next = (n.y as Kleisli)(n.x)
          continue
        default: {
          const as = n.x as readonly unknown[]
          if (as.length === 0) {
            value = []
            break
          }
          const frame = new TraverseFrame(as, n.y as (a: unknown, i: number) => Random<unknown>)
          stack.push(K_TRAVERSE, frame)
          next = frame.f(as[0], 0)
          continue
        }
      }
    }
    // `value` is ready: hand it to the innermost continuation.
    if (stack.length === 0) return [value, key]
    const payload = stack.pop()
    switch (stack.pop() as number) {
      case K_MAP:
        value = (payload as (a: unknown) => unknown)(value)
        break
      case K_CHAIN:
        next = (payload as Kleisli)(value)
        break
      case K_AP:
        stack.push(K_MAP, value)
        next = payload as Program
        break
      case K_REC: {
        const e = value as Either<unknown, unknown>
        if (e._tag === 'Left') {
          stack.push(K_REC, payload)
          next = (payload as Kleisli)(e.left)
        } else value = e.right
        break
      }
      default: {
        const frame = payload as TraverseFrame
        frame.out.push(value)
        if (++frame.i < frame.as.length) {
          stack.push(K_TRAVERSE, frame)
          next = frame.f(frame.as[frame.i], frame.i)
        } else value = frame.out
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Constructors and combinators.

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
export const of = <A>(a: A): Random<A> => program(OF, a, undefined)

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
    program(MAP, ra, f)

/**
 * Sequences a computation after another that depends on its result: `f(a)`
 * runs on the key `ra` leaves. `flatMap` is the same function. Stack-safe:
 * chains of any length, nested either way, run in constant stack.
 *
 * @example
 * import { random } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * // the second draw's range depends on the first draw
 * const nested = pipe(random.uniformR([]), random.chain((u) => random.uniformR([2], { maxval: 1 + u.item() })))
 * console.assert(random.evaluate(random.key(0))(nested).toTypedArray().every((x) => x < 2))
 * // a hundred thousand steps, left-nested, in constant stack
 * const count = Array.from({ length: 1e5 }).reduce((acc: random.Random<number>) => pipe(acc, random.chain((n: number) => random.of(n + 1))), random.of(0))
 * console.assert(random.evaluate(random.key(0))(count) === 1e5)
 * @since 0.1.0
 */
export const chain =
  <A, B>(f: (a: A) => Random<B>) =>
  (ra: Random<A>): Random<B> =>
    program(CHAIN, ra, f)

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
    program(AP, rab, ra)

/**
 * Stack-safe monadic recursion (fp-ts's `ChainRec`): runs `f` on `a`, then
 * again on every `left` it returns, and ends with the first `right`. The keys
 * are threaded as by the recursive definition `chain(f(a), e => isLeft(e) ?
 * chainRec(e.left, f) : of(e.right))`, but the loop runs in constant stack
 * however many steps it takes.
 *
 * @example
 * import { random, type Tensor } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * // Draw until a uniform falls below 0.1, counting the draws.
 * const tries = random.chainRec(1, (n: number) =>
 *   pipe(random.uniformR([]), random.map((u: Tensor) => (u.item() < 0.1 ? E.right(n) : E.left(n + 1)))))
 * const n = random.evaluate(random.key(0))(tries)
 * console.assert(Number.isInteger(n) && n >= 1)
 * // a hundred thousand iterations
 * const loop = random.chainRec(0, (i: number) => random.of(i < 1e5 ? E.left(i + 1) : E.right(i)))
 * console.assert(random.evaluate(random.key(0))(loop) === 1e5)
 * @since 0.1.0
 */
export const chainRec = <A, B>(a: A, f: (a: A) => Random<Either<A, B>>): Random<B> => program(REC, a, f)

/**
 * {@link chainRec}, data-last, in the shape of fp-ts's `tailRec`: a step
 * `a ↦ Random<Either<A, B>>` becomes `a ↦ Random<B>`, which loops while the
 * step returns `left` and ends with its first `right`. Handy with `pipe`,
 * e.g. for a training loop that draws its dropout masks step by step.
 *
 * @example
 * import { random, type Tensor } from 'grad-ts'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * // Ten steps of a random walk, each step drawing one normal.
 * type Walk = { readonly step: number; readonly x: number }
 * const walk = random.tailRec(({ step, x }: Walk) =>
 *   step === 10 ? random.of(E.right(x)) : pipe(random.normalR([]), random.map((z: Tensor) => E.left({ step: step + 1, x: x + z.item() }))))
 * const x = pipe({ step: 0, x: 0 }, walk, random.evaluate(random.key(0)))
 * console.assert(Number.isFinite(x))
 * @since 0.1.0
 */
export const tailRec =
  <A, B>(f: (a: A) => Random<Either<A, B>>) =>
  (a: A): Random<B> =>
    chainRec(a, f)

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
 * The ChainRec instance (fp-ts's `ChainRec1`): {@link chainRec}, stack-safe.
 *
 * @example
 * import { random } from 'grad-ts'
 * import * as E from 'fp-ts/lib/Either.js'
 * const halve = random.ChainRec.chainRec(1024, (n: number) => random.of(n > 1 ? E.left(n / 2) : E.right('done')))
 * console.assert(random.evaluate(random.key(0))(halve) === 'done')
 * @since 0.1.0
 */
export const ChainRec: ChainRec1<URI> = { ...Chain, chainRec }

/**
 * Draws one value per array element, left to right. Equal (same values, same
 * final key) to fp-ts's `ReadonlyArray.traverse(Applicative)`, but one node
 * that the loop steps through: stack-safe and linear for long arrays.
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
    program(TRAVERSE, as, f)

const identity = <A>(r: Random<A>): Random<A> => r

/** The results of a tuple or record of programs, as fp-ts types `sequenceT` and `sequenceS`. @since 0.2.0 */
export type Results<T> = { [K in keyof T]: [T[K]] extends [Random<infer A>] ? A : never }
/** `R` if it has at least one key (`sequenceS` of an empty record is a type error, as in fp-ts). @since 0.2.0 */
export type NonEmpty<R> = keyof R extends never ? never : R

/**
 * Draws several values into a tuple, left to right. Equal to fp-ts's
 * `sequenceT(Apply)` (same values, same final key), but linear and
 * stack-safe for many arguments.
 *
 * @example
 * import { random } from 'grad-ts'
 * const [a, b] = random.evaluate(random.key(0))(random.sequenceT(random.uniformR([]), random.uniformR([])))
 * console.assert(a.item() !== b.item())
 * @since 0.1.0
 */
export const sequenceT = <T extends Random<unknown>[]>(...rs: T & { readonly 0: Random<unknown> }): Random<Results<T>> =>
  traverseArray(identity)(rs) as Random<never>

/**
 * Draws a record of values, in the record's key order. Equal to fp-ts's
 * `sequenceS(Apply)` (same values, same final key), but linear and
 * stack-safe for large records.
 *
 * @example
 * import { random } from 'grad-ts'
 * const masks = random.sequenceS({ h1: random.bernoulliR(0.5, [4]), h2: random.bernoulliR(0.5, [3]) })
 * const { h1, h2 } = random.evaluate(random.key(0))(masks)
 * console.assert(h1.size === 4 && h2.size === 3)
 * @since 0.1.0
 */
export const sequenceS = <R extends Readonly<Record<string, Random<unknown>>>>(r: NonEmpty<R> & Readonly<Record<string, Random<unknown>>>): Random<Results<R>> => {
  const keys = Object.keys(r)
  return map(toRecord(keys))(traverseArray((k: string) => r[k]!)(keys)) as Random<never>
}

const toRecord =
  (keys: readonly string[]) =>
  <B>(values: readonly B[]): Record<string, B> => {
    const out: Record<string, B> = {}
    keys.forEach((k, i) => {
      out[k] = values[i]!
    })
    return out
  }

/**
 * Draws one value per record entry, in sorted key order. Equal to fp-ts's
 * `ReadonlyRecord.traverse(Applicative)` (same values, same final key), but
 * linear and stack-safe for large records.
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
  <K extends string>(r: Readonly<Record<K, A>>): Random<Readonly<Record<K, B>>> => {
    const keys = (Object.keys(r) as K[]).sort()
    return map(toRecord(keys) as (values: readonly B[]) => Record<K, B>)(traverseArray((k: K) => f(r[k]))(keys))
  }

/** A primitive draw named `op`: `[next, sub] = split(key)`, `sample(sub)`, continue with `next`. */
const draw = <A>(op: string, sample: (sub: Key) => A): Random<A> => program(DRAW, op, sample)

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
export const keyR: Random<Key> = draw('keyR', (sub) => sub)

/**
 * Draws uniform bits: {@link bits} on a fresh subkey.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.evaluate(random.key(0))(random.bitsR([5])).data.length === 5)
 * @since 0.1.0
 */
export const bitsR = (shape: readonly number[]): Random<{ readonly shape: Shape; readonly data: Uint32Array }> =>
  draw('bitsR', (sub) => bits(sub, shape))

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
  draw('uniformR', (sub) => uniform(sub, shape, opts))

/**
 * Draws standard normal samples: {@link normal} on a fresh subkey.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.evaluate(random.key(0))(random.normalR([2, 2], 'float64')).dtype === 'float64')
 * @since 0.1.0
 */
export const normalR = (shape: readonly number[], dtype: FloatDType = 'float32'): Random<Tensor> =>
  draw('normalR', (sub) => normal(sub, shape, dtype))

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
  draw('bernoulliR', (sub) => bernoulli(sub, p, shape))

/**
 * A draw whose arguments were checked when it was made (`plan`, under the
 * name `op`): the sampler runs on the fresh subkey, which it consumes.
 */
const planned = (op: string, plan: (k: Key) => Tensor): Random<Tensor> => draw(op, (sub) => plan(consume(op, sub)))

/**
 * Draws uniform integers: {@link randint} on a fresh subkey. The arguments
 * are checked when the draw is made, under this name.
 *
 * @example
 * import { random } from 'grad-ts'
 * const dice = random.evaluate(random.key(0))(random.randintR([10], 1, 7))
 * const [, sub] = random.split(random.key(0)) // the same draw by hand, on a fresh key of the same seed
 * console.assert(dice.toTypedArray().join() === random.randint(sub!, [10], 1, 7).toTypedArray().join())
 * @since 0.2.0
 */
export const randintR = (shape: readonly number[], minval: number | Tensor, maxval: number | Tensor): Random<Tensor> =>
  planned('randintR', randintPlan('randintR', shape, minval, maxval))

/**
 * Draws truncated normal samples: {@link truncatedNormal} on a fresh
 * subkey (number or tensor bounds). The arguments are checked when the
 * draw is made, under this name.
 *
 * @example
 * import { random } from 'grad-ts'
 * const x = random.evaluate(random.key(0))(random.truncatedNormalR(-1, 1, [100]))
 * console.assert(x.toTypedArray().every((v) => v > -1 && v < 1))
 * @since 0.2.0
 */
export const truncatedNormalR = (lower: number | Tensor, upper: number | Tensor, shape?: readonly number[], dtype: FloatDType = 'float32'): Random<Tensor> =>
  planned('truncatedNormalR', truncatedNormalPlan('truncatedNormalR', lower, upper, shape, dtype))

/**
 * Draws standard Gumbel samples: {@link gumbel} on a fresh subkey. The
 * arguments are checked when the draw is made, under this name.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.evaluate(random.key(0))(random.gumbelR([2, 3], 'float64')).dtype === 'float64')
 * @since 0.2.0
 */
export const gumbelR = (shape: readonly number[] = [], dtype: FloatDType = 'float32'): Random<Tensor> => planned('gumbelR', gumbelPlan('gumbelR', shape, dtype))

/**
 * Draws categories: {@link categorical} on a fresh subkey (with or without
 * replacement). The arguments are checked when the draw is made, under
 * this name.
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * const c = random.evaluate(random.key(0))(random.categoricalR(tensor([0, -Infinity, 0]), { shape: [8] }))
 * console.assert(c.toTypedArray().every((x) => x !== 1))
 * @since 0.2.0
 */
export const categoricalR = (logits: Tensor, options: CategoricalOptions = {}): Random<Tensor> =>
  planned('categoricalR', categoricalPlan('categoricalR', logits, options))

/**
 * Draws a choice: {@link choice} on a fresh subkey. The arguments are
 * checked when the draw is made, under this name.
 *
 * @example
 * import { random } from 'grad-ts'
 * const hand = Array.from(random.evaluate(random.key(0))(random.choiceR(52, { shape: [5], replace: false })).toTypedArray())
 * console.assert(new Set(hand).size === 5)
 * @since 0.2.0
 */
export const choiceR = (a: number | Tensor, options: ChoiceOptions = {}): Random<Tensor> => planned('choiceR', choicePlan('choiceR', a, options))

/**
 * Draws a permutation: {@link permutation} on a fresh subkey. The
 * arguments are checked when the draw is made, under this name.
 *
 * @example
 * import { random } from 'grad-ts'
 * const p = Array.from(random.evaluate(random.key(0))(random.permutationR(5)).toTypedArray())
 * console.assert([...p].sort().join() === '0,1,2,3,4')
 * @since 0.2.0
 */
export const permutationR = (x: number | Tensor, options: PermutationOptions = {}): Random<Tensor> =>
  planned('permutationR', permutationPlan('permutationR', x, options))
