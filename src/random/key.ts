/**
 * Keys: immutable pairs of uint32 words, and the two ways to derive new keys,
 * `split` and `foldIn`, following JAX's threefry2x32 implementation under its
 * default `jax_threefry_partitionable = True` (jax ≥ 0.5.0):
 *
 * - `split(k, n)[i] = threefry2x32(k, (hi(i), lo(i)))`, the 64-bit index `i`
 *   split in two words, so `split(k, n)[i] = foldIn(k, i)` for every `n`;
 * - `foldIn(k, d) = threefry2x32(k, (0, d))` for a 32-bit `d`.
 *
 * A key is a tensor (int32 `[2]`, the two words' bits) and its derivations
 * are primitives, so every transformation sees them: under `vmap` a batch of
 * keys (`split(k, n)`, shape `[n, 2]`) draws a slice per key.
 *
 * `split` and the samplers consume their key; `foldIn`, `clone`, `keyData` and
 * `keyEq` do not, as in JAX's key-reuse checker. {@link checkKeyReuse} turns a
 * second consumption into an error.
 */
import type { Eq } from 'fp-ts/lib/Eq.js'
import { describe as describeValue } from '../core/check.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { Tensor, fromData, recast } from '../core/tensor.js'
import { stopGradient } from '../ad/ops/elementwise.js'
import { reshape, slice } from '../ad/ops/shape.js'
import { bind } from '../ad/trace.js'

declare const keyBrand: unique symbol

/**
 * A PRNG key: a tensor of the two uint32 words `[k0, k1]` (as int32 bits),
 * branded so that another tensor is not a key. Make keys with {@link key},
 * {@link split}, {@link foldIn} or {@link wrapKeyData}; read a key's words
 * with {@link keyData}.
 * @since 0.1.0
 */
export type Key = Tensor & { readonly [keyBrand]: 'grad-ts/Key' }

/**
 * An array of keys, shape `[n, 2]`, as JAX's key arrays: what `split(k, n)`
 * returns. Map over it with `vmap` (each slice is a key), or iterate it.
 * @since 0.2.0
 */
export type KeyArray = Key & {
  /** The keys of the array, in order. */
  [Symbol.iterator](): IterableIterator<Key>
}

/** The run-time class of a single key. */
class KeyTensor extends Tensor {}

/** The run-time class of a key array: it iterates its keys (a plain tensor and a single key do not iterate). */
class KeyArrayTensor extends KeyTensor {
  /** The keys, made once: iterating twice gives the same key objects, so checkKeyReuse sees a key used twice. */
  private keys: readonly Key[] | undefined
  *[Symbol.iterator](): IterableIterator<Key> {
    const rest = this.shape.slice(1)
    this.keys ??= Array.from({ length: this.shape[0]! }, (_, i) => asKey(reshape(slice(this, [i], [i + 1]), rest)))
    yield* this.keys
  }
}

/** `t` (an int32 `[..., 2]` tensor) as a key, or a key array when it has more axes. @internal */
export const asKey = (t: Tensor): Key => recast(t, t.rank > 1 ? KeyArrayTensor : KeyTensor) as Key

const isWord = (w: unknown): w is number => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff

/** A concrete key of two words. */
const make = (k0: number, k1: number): Key => asKey(fromData(Object.freeze([2]), 'int32', [k0 | 0, k1 | 0]))

/**
 * Whether a value is a key or an array of keys (an int32 tensor whose last axis is 2).
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * console.assert(random.isKey(random.key(0)) && !random.isKey([0, 0]) && !random.isKey(tensor([0, 0])))
 * @since 0.1.0
 */
export const isKey = (u: unknown): u is Key => u instanceof Tensor && u.dtype === 'int32' && u.rank >= 1 && u.shape[u.rank - 1] === 2

let consumed: WeakSet<object> | undefined

const describe = (u: unknown): string => (u instanceof Tensor ? `a ${u.dtype}${fmtShape(u.shape)} tensor` : describeValue(u))

/** Checks that `k` is a key (a single one unless `array`), without consuming it. @internal */
export const checkKey = (op: string, k: Key, array = false): Key => {
  if (!isKey(k)) throw new TensorError(op, `expected a Key (from random.key, split or foldIn), got ${describe(k)}`)
  if (!array && k.rank !== 1) throw new TensorError(op, `expected one key (shape [2]), got an array of keys ${fmtShape(k.shape)}: map over it with vmap, or iterate it`)
  return k
}

/** The words of a key for messages, or `traced` inside a transformation that has no values. */
const wordsOf = (k: Key): string => {
  try {
    return `[${keyData(k).join(', ')}]`
  } catch {
    return '(traced)'
  }
}

/** Checks that `k` is a key and, inside {@link checkKeyReuse}, marks it consumed. @internal */
export const consume = (op: string, k: Key): Key => {
  checkKey(op, k)
  if (consumed !== undefined) {
    if (consumed.has(k)) throw new TensorError(op, `key ${wordsOf(k)} was already consumed; split it instead of reusing it`)
    consumed.add(k)
  }
  return k
}

/**
 * Runs `thunk` with the key-reuse checker on, modelled on JAX's
 * `jax.debug_key_reuse` (`jax.experimental.key_reuse`): inside it, giving an
 * already consumed key to a consuming function throws a TensorError that names
 * the function and the key. Off by default; scoped to the synchronous extent of
 * `thunk`; nested calls share one record. Consumption is tracked per key value
 * (object), as JAX tracks it per key array.
 *
 * The rules are JAX's signatures (`jax/_src/key_reuse/_core.py`):
 *
 * - **consume their key**: `split` (`random_split`: sinks its input, its
 *   outputs are fresh) and every sampler — `bits`, `uniform`, `normal`,
 *   `bernoulli`, `permutation`, `randint`, `truncatedNormal`, `gumbel`,
 *   `categorical`, `choice` (`random_bits` sinks its key) — and so every
 *   draw of the `Random` effect (`keyR`, `uniformR`, …), which splits the
 *   running key;
 * - **do not consume, fresh result**: `foldIn` (`random_fold_in` sources a
 *   fresh key and does not sink its input, so one key can be folded with many
 *   numbers), `clone` (`random_clone`: the way to reuse a key on purpose),
 *   `key` and `wrapKeyData` (`random_seed`, `random_wrap`);
 * - **do not consume**: `keyData` (`random_unwrap`), `keyEq` (`eq`), `isKey`.
 *
 * As in JAX, a key that was consumed can still be folded or cloned, and two
 * separately made keys with equal words are two keys. A `Random` program never
 * reuses a key, so running it under the checker flags only keys reused by hand,
 * such as running one program twice on the same key.
 *
 * @example
 * import { random } from 'grad-ts'
 * const k = random.key(0)
 * let threw = false
 * random.checkKeyReuse(() => {
 *   [0, 1, 2].forEach((step) => random.uniform(random.foldIn(k, step), [2]))   // fine: foldIn does not consume k
 *   random.uniform(k, [2])
 *   try { random.normal(k, [2]) } catch { threw = true }                        // k was consumed by uniform
 *   random.normal(random.clone(k), [2])                                         // reuse on purpose
 * })
 * console.assert(threw)
 * @since 0.1.0
 */
export const checkKeyReuse = <A>(thunk: () => A): A => {
  const previous = consumed
  consumed = previous ?? new WeakSet()
  try {
    return thunk()
  } finally {
    consumed = previous
  }
}

/**
 * A key from an integer seed, as `jax.random.key(seed)` (threefry2x32): the seed
 * is read as a 64-bit two's-complement integer and `k0` holds its high 32 bits,
 * `k1` its low 32 bits. So `key(0)` is `[0, 0]`, `key(2 ** 32 + 5)` is `[1, 5]`
 * and `key(-1)` is `[0xffffffff, 0xffffffff]` — JAX's result with
 * `jax_enable_x64=True`. (JAX's default 32-bit mode first truncates the seed to
 * int32 and gives `[0, seed mod 2^32]`; both modes agree for `0 ≤ seed < 2^32`.)
 * Any safe integer is accepted; anything else is a TensorError.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.keyData(random.key(42)).join() === '0,42')
 * console.assert(random.keyData(random.key(-3)).join() === '4294967295,4294967293')
 * @since 0.1.0
 */
export const key = (seed: number): Key => {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TensorError('key', `seed must be a safe integer (|seed| < 2^53), got ${String(seed)}`)
  }
  return make(Math.floor(seed / 4294967296), seed)
}

/**
 * The two uint32 words of a key, as `jax.random.key_data`: use it to save a
 * key or compare it with JAX. Reading the words does not consume the key.
 *
 * @example
 * import { random } from 'grad-ts'
 * const [k0, k1] = random.keyData(random.key(7))
 * console.assert(k0 === 0 && k1 === 7)
 * @since 0.1.0
 */
export const keyData = (k: Key): [number, number] => {
  const w = checkKey('keyData', k).toTypedArray()
  return [w[0]! >>> 0, w[1]! >>> 0]
}

/**
 * A key from two uint32 words (a saved key, or `jax.random.key_data` output),
 * as `jax.random.wrap_key_data`. Words outside `[0, 2^32)` or a length other
 * than 2 are a TensorError. The result is a new key, not yet consumed.
 *
 * @example
 * import { random } from 'grad-ts'
 * const k = random.wrapKeyData([1797259609, 2579123966])
 * console.assert(random.keyEq.equals(k, random.split(random.key(0))[0]))
 * @since 0.1.0
 */
export const wrapKeyData = (words: ArrayLike<number>): Key => {
  if (words.length !== 2 || !isWord(words[0]) || !isWord(words[1])) {
    throw new TensorError('wrapKeyData', `needs exactly two integers in [0, 2^32), got ${Array.from(words).join(', ')}`)
  }
  return make(words[0], words[1])
}

/**
 * Equality of keys by their words.
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.keyEq.equals(random.key(3), random.wrapKeyData([0, 3])))
 * @since 0.1.0
 */
export const keyEq: Eq<Key> = { equals: (a, b) => keyData(a).join() === keyData(b).join() }

/**
 * New keys from one, as `jax.random.split` in partitionable mode: key `i` is
 * the threefry hash of the counter `(hi(i), lo(i))`, so key `i` of `split(k, n)`
 * equals `foldIn(k, i)` and a prefix does not depend on `n`. Without `n` the
 * result is a pair, for the idiom `const [next, sub] = split(k)`; with `n` it
 * is an array of keys (shape `[n, 2]`, as JAX's key arrays) to map over with
 * `vmap` or to iterate.
 *
 * @example
 * import { random } from 'grad-ts'
 * const [a, b] = random.split(random.key(0))
 * console.assert(random.keyData(a).join() === '1797259609,2579123966')
 * console.assert(random.keyEq.equals(b, random.foldIn(random.key(0), 1)))
 * const keys = random.split(random.key(0), 3)
 * console.assert(keys.shape.join() === '3,2' && [...keys].length === 3)
 * @since 0.1.0
 */
export function split(k: Key): readonly [Key, Key]
export function split(k: Key, n: number): KeyArray
export function split(k: Key, n?: number): readonly [Key, Key] | KeyArray {
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) throw new TensorError('split', `n must be a non-negative integer, got ${n}`)
  consume('split', k)
  return n === undefined ? splitPair(k) : splitKeys(k, n)
}

/** {@link split} of a checked key into `n` keys (`[n, 2]`), without consuming it (the caller has). @internal */
export const splitKeys = (k: Key, n: number): KeyArray => asKey(bind('randomSplit', [k], { n })) as KeyArray

/** `[next, sub]` of a checked key, without consuming it: key `i` of a split is `foldIn(k, i)`. @internal */
export const splitPair = (k: Key): readonly [Key, Key] => [foldKey(k, 0), foldKey(k, 1)]

const foldKey = (k: Key, data: number): Key => asKey(bind('randomFoldIn', [k], { data: data >>> 0 }))

/**
 * A new key from a key and a 32-bit integer, as `jax.random.fold_in`: the
 * threefry hash of the counter `(0, data)`. Use it to derive a key per step or
 * per example without threading keys. `data` may be any integer in
 * `[−2^31, 2^32)`; negatives are taken modulo 2^32 (an int32 read as uint32).
 * As in JAX's key-reuse checker, `foldIn` does not consume `k`: fold one root
 * key with every step number (see {@link checkKeyReuse}).
 *
 * @example
 * import { random } from 'grad-ts'
 * const k = random.key(72)
 * const [, , third] = random.split(k, 3)
 * console.assert(random.keyEq.equals(random.foldIn(k, 2), third!))
 * const perStep = random.checkKeyReuse(() => [0, 1, 2].map((step) => random.uniform(random.foldIn(k, step), [])))
 * console.assert(perStep.length === 3)
 * @since 0.1.0
 */
export const foldIn = (k: Key, data: number): Key => {
  if (!Number.isInteger(data) || data < -2147483648 || data > 0xffffffff) {
    throw new TensorError('foldIn', `data must be a 32-bit integer in [-2^31, 2^32), got ${data}`)
  }
  return foldKey(checkKey('foldIn', k), data)
}

/**
 * A fresh copy of a key, as `jax.random.clone`: the same words, so the same
 * draws, but a key that {@link checkKeyReuse} has not seen. Outside the
 * checker it changes nothing; inside it, it is how you reuse a key on
 * purpose, for example to show that the same key gives the same numbers.
 * Cloning does not consume `k`.
 *
 * @example
 * import { random } from 'grad-ts'
 * const k = random.key(0)
 * const [a, b] = random.checkKeyReuse(() => [random.uniform(k, [2]), random.uniform(random.clone(k), [2])])
 * console.assert(a.toTypedArray().join() === b.toTypedArray().join())
 * @since 0.1.0
 */
export function clone(k: KeyArray): KeyArray
export function clone(k: Key): Key
export function clone(k: Key): Key {
  return asKey(stopGradient(checkKey('clone', k, true)))
}
