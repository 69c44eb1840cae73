/**
 * Keys: immutable pairs of uint32 words, and the two ways to derive new keys,
 * `split` and `foldIn`, following JAX's threefry2x32 implementation under its
 * default `jax_threefry_partitionable = True` (jax ≥ 0.5.0):
 *
 * - `split(k, n)[i] = threefry2x32(k, (hi(i), lo(i)))`, the 64-bit index `i`
 *   split in two words, so `split(k, n)[i] = foldIn(k, i)` for every `n`;
 * - `foldIn(k, d) = threefry2x32(k, (0, d))` for a 32-bit `d`.
 *
 * `split` and the samplers consume their key; `foldIn`, `clone`, `keyData` and
 * `keyEq` do not, as in JAX's key-reuse checker. {@link checkKeyReuse} turns a
 * second consumption into an error.
 */
import type { Eq } from 'fp-ts/lib/Eq.js'
import { TensorError } from '../core/errors.js'
import { threefryInto, threefryIota } from './threefry.js'

declare const keyBrand: unique symbol

/**
 * A PRNG key: a frozen pair of uint32 words `[k0, k1]`, branded so that a plain
 * array is not a key. Make one with {@link key}, {@link split}, {@link foldIn}
 * or {@link wrapKeyData}; read its words with {@link keyData}.
 * @since 0.1.0
 */
export type Key = readonly [number, number] & { readonly [keyBrand]: 'grad-ts/Key' }

const isWord = (w: unknown): w is number => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff

const make = (k0: number, k1: number): Key => Object.freeze([k0 >>> 0, k1 >>> 0] as [number, number]) as Key

/**
 * Whether a value is a key made by this module (a frozen pair of uint32 words).
 *
 * @example
 * import { random } from 'grad-ts'
 * console.assert(random.isKey(random.key(0)) && !random.isKey([0, 0]))
 * @since 0.1.0
 */
export const isKey = (u: unknown): u is Key =>
  Array.isArray(u) && Object.isFrozen(u) && u.length === 2 && isWord(u[0]) && isWord(u[1])

let consumed: WeakSet<object> | undefined

/** Checks that `k` is a key, without consuming it. @internal */
export const checkKey = (op: string, k: Key): Key => {
  if (!isKey(k)) throw new TensorError(op, `expected a Key (from random.key, split or foldIn), got ${describe(k)}`)
  return k
}

/** Checks that `k` is a key and, inside {@link checkKeyReuse}, marks it consumed. @internal */
export const consume = (op: string, k: Key): Key => {
  checkKey(op, k)
  if (consumed !== undefined) {
    if (consumed.has(k)) throw new TensorError(op, `key [${k[0]}, ${k[1]}] was already consumed; split it instead of reusing it`)
    consumed.add(k)
  }
  return k
}

const describe = (u: unknown): string => (Array.isArray(u) ? `an array of length ${u.length}${Object.isFrozen(u) ? '' : ' (not a frozen Key)'}` : u === null ? 'null' : typeof u)

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
 *   `bernoulli`, `permutation` (`random_bits` sinks its key) — and so every
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
  if (!isKey(k)) throw new TensorError('keyData', `expected a Key, got ${describe(k)}`)
  return [k[0], k[1]]
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
export const keyEq: Eq<Key> = { equals: (a, b) => a[0] === b[0] && a[1] === b[1] }

/**
 * `n` new keys from one (default 2), as `jax.random.split` in partitionable
 * mode: key `i` is the threefry hash of the counter `(hi(i), lo(i))`, so
 * `split(k, n)[i]` equals `foldIn(k, i)` and a prefix does not depend on `n`.
 * The usual idiom is `const [next, sub] = split(k)`: without `n` the result
 * is typed as a pair.
 *
 * @example
 * import { random } from 'grad-ts'
 * const [a, b] = random.split(random.key(0))
 * console.assert(random.keyData(a).join() === '1797259609,2579123966')
 * console.assert(random.keyEq.equals(b, random.foldIn(random.key(0), 1)))
 * console.assert(random.split(random.key(0), 3).length === 3)
 * @since 0.1.0
 */
export function split(k: Key): readonly [Key, Key]
export function split(k: Key, n: number): readonly Key[]
export function split(k: Key, n = 2): readonly Key[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new TensorError('split', `n must be a non-negative integer, got ${n}`)
  return splitKeys(consume('split', k), n)
}

/** {@link split} of a checked key, without consuming it (the caller has). @internal */
export const splitKeys = (k: Key, n: number): readonly Key[] => {
  const out: Key[] = []
  threefryIota(k[0], k[1], n, (y0, y1, _offset, count) => {
    for (let j = 0; j < count; j++) out.push(make(y0[j]!, y1[j]!))
  })
  return Object.freeze(out)
}

/** `[next, sub]`: {@link splitKeys} into two. @internal */
export const splitPair = (k: Key): readonly [Key, Key] => splitKeys(k, 2) as readonly [Key, Key]

const c0 = new Uint32Array(1)
const c1 = new Uint32Array(1)
const o0 = new Uint32Array(1)
const o1 = new Uint32Array(1)

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
 * console.assert(random.keyEq.equals(random.foldIn(k, 2), random.split(k, 3)[2]!))
 * const perStep = random.checkKeyReuse(() => [0, 1, 2].map((step) => random.uniform(random.foldIn(k, step), [])))
 * console.assert(perStep.length === 3)
 * @since 0.1.0
 */
export const foldIn = (k: Key, data: number): Key => {
  if (!Number.isInteger(data) || data < -2147483648 || data > 0xffffffff) {
    throw new TensorError('foldIn', `data must be a 32-bit integer in [-2^31, 2^32), got ${data}`)
  }
  checkKey('foldIn', k)
  c0[0] = 0
  c1[0] = data >>> 0
  threefryInto(k[0], k[1], c0, c1, o0, o1, 0, 1)
  return make(o0[0]!, o1[0]!)
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
export const clone = (k: Key): Key => {
  checkKey('clone', k)
  return make(k[0], k[1])
}
