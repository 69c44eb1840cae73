/**
 * Branded numbers: a `Keep` is a retention probability in (0, 1] (the
 * paper's p), a `Rate` a drop probability in [0, 1) (the frameworks'
 * `rate`). The brands make the two impossible to confuse at compile time,
 * and the codecs make them impossible to confuse in a config file.
 *
 * Each codec is named by what it expects, so error messages read
 * `expected a keep probability in (0, 1], got 0`.
 */
import { isKeep, isRate } from '../nn/retention.js'
import * as t from 'io-ts/lib/index.js'
import { type DecodeError, decodeWith } from './errors.js'
import type { Either } from 'fp-ts/lib/Either.js'

const brandedNumber = <B>(description: string, ok: (n: number) => boolean): t.Type<t.Branded<number, B>, number> => {
  const is = (u: unknown): u is t.Branded<number, B> => typeof u === 'number' && ok(u)
  return new t.Type<t.Branded<number, B>, number, unknown>(description, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), (a) => a)
}

/** The brand of {@link PositiveInt}. @since 0.1.0 */
export interface PositiveIntBrand {
  readonly PositiveInt: unique symbol
}
/**
 * A safe integer ≥ 1 (layer sizes, batch size, epochs).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.PositiveInt.is(3) && !io.PositiveInt.is(0) && !io.PositiveInt.is(1.5))
 * @since 0.1.0
 */
export const PositiveInt = brandedNumber<PositiveIntBrand>('a positive integer', (n) => Number.isSafeInteger(n) && n > 0)
/** A safe integer ≥ 1. @since 0.1.0 */
export type PositiveInt = t.TypeOf<typeof PositiveInt>

/** The brand of {@link NonNegativeInt}. @since 0.1.0 */
export interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol
}
/**
 * A safe integer ≥ 0 (shape dimensions, byte offsets, seeds, steps).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.NonNegativeInt.is(0) && !io.NonNegativeInt.is(-3))
 * @since 0.1.0
 */
export const NonNegativeInt = brandedNumber<NonNegativeIntBrand>('a non-negative integer', (n) => Number.isSafeInteger(n) && n >= 0)
/** A safe integer ≥ 0. @since 0.1.0 */
export type NonNegativeInt = t.TypeOf<typeof NonNegativeInt>

/** The brand of {@link PositiveNumber}. @since 0.1.0 */
export interface PositiveNumberBrand {
  readonly PositiveNumber: unique symbol
}
/**
 * A finite number > 0 (learning rates, ε, max-norm radius c, time scales).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.PositiveNumber.is(0.01) && !io.PositiveNumber.is(0) && !io.PositiveNumber.is(Infinity))
 * @since 0.1.0
 */
export const PositiveNumber = brandedNumber<PositiveNumberBrand>('a positive finite number', (n) => Number.isFinite(n) && n > 0)
/** A finite number > 0. @since 0.1.0 */
export type PositiveNumber = t.TypeOf<typeof PositiveNumber>

/** The brand of {@link NonNegativeNumber}. @since 0.1.0 */
export interface NonNegativeNumberBrand {
  readonly NonNegativeNumber: unique symbol
}
/**
 * A finite number ≥ 0 (weight decay, schedule values).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.NonNegativeNumber.is(0) && !io.NonNegativeNumber.is(-1e-9))
 * @since 0.1.0
 */
export const NonNegativeNumber = brandedNumber<NonNegativeNumberBrand>('a non-negative finite number', (n) => Number.isFinite(n) && n >= 0)
/** A finite number ≥ 0. @since 0.1.0 */
export type NonNegativeNumber = t.TypeOf<typeof NonNegativeNumber>

/** The brand of {@link Keep}. @since 0.1.0 */
export interface KeepBrand {
  readonly Keep: unique symbol
}
/**
 * A retention probability p in (0, 1]: the paper's p, the chance a unit is
 * *kept*. 1 means no dropout; 0 would drop everything and is not allowed.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.Keep.is(0.5) && io.Keep.is(1) && !io.Keep.is(0))
 * @since 0.1.0
 */
export const Keep = brandedNumber<KeepBrand>('a keep probability in (0, 1]', isKeep)
/** A retention probability in (0, 1]. @since 0.1.0 */
export type Keep = t.TypeOf<typeof Keep>

/** The brand of {@link Rate}. @since 0.1.0 */
export interface RateBrand {
  readonly Rate: unique symbol
}
/**
 * A drop probability in [0, 1): the frameworks' `rate`, the chance a unit is
 * *dropped*. 0 means no dropout; 1 would drop everything and is not allowed.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.Rate.is(0) && io.Rate.is(0.5) && !io.Rate.is(1))
 * @since 0.1.0
 */
export const Rate = brandedNumber<RateBrand>('a drop rate in [0, 1)', isRate)
/** A drop probability in [0, 1). @since 0.1.0 */
export type Rate = t.TypeOf<typeof Rate>

/** The brand of {@link Probability}. @since 0.1.0 */
export interface ProbabilityBrand {
  readonly Probability: unique symbol
}
/**
 * Any probability in [0, 1] (e.g. a Bernoulli parameter).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.Probability.is(0) && io.Probability.is(1) && !io.Probability.is(1.01))
 * @since 0.1.0
 */
export const Probability = brandedNumber<ProbabilityBrand>('a probability in [0, 1]', (n) => n >= 0 && n <= 1)
/** A probability in [0, 1]. @since 0.1.0 */
export type Probability = t.TypeOf<typeof Probability>

/** The brand of {@link DecayFactor}. @since 0.1.0 */
export interface DecayFactorBrand {
  readonly DecayFactor: unique symbol
}
/**
 * A factor in [0, 1) such as a momentum coefficient or Adam's β₁, β₂ (1 would
 * never forget). Deliberately a different brand from `Rate`.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.DecayFactor.is(0.99) && !io.DecayFactor.is(1))
 * @since 0.1.0
 */
export const DecayFactor = brandedNumber<DecayFactorBrand>('a factor in [0, 1)', (n) => n >= 0 && n < 1)
/** A factor in [0, 1). @since 0.1.0 */
export type DecayFactor = t.TypeOf<typeof DecayFactor>

/** The brand of {@link Seed}. @since 0.1.0 */
export interface SeedBrand {
  readonly Seed: unique symbol
}
/**
 * A PRNG seed: any safe integer, as `random.key` (and JAX's `key`) accepts.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.Seed.is(0) && io.Seed.is(-3) && !io.Seed.is(0.5) && !io.Seed.is(2 ** 53))
 * @since 0.1.0
 */
export const Seed = brandedNumber<SeedBrand>('a seed (a safe integer)', (n) => Number.isSafeInteger(n))
/** A PRNG seed. @since 0.1.0 */
export type Seed = t.TypeOf<typeof Seed>

/** The brand of {@link Uint32}. @since 0.1.0 */
export interface Uint32Brand {
  readonly Uint32: unique symbol
}
/**
 * An unsigned 32-bit integer (the words of a PRNG key).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.Uint32.is(4294967295) && !io.Uint32.is(4294967296))
 * @since 0.1.0
 */
export const Uint32 = brandedNumber<Uint32Brand>('an unsigned 32-bit integer', (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff)
/** An unsigned 32-bit integer. @since 0.1.0 */
export type Uint32 = t.TypeOf<typeof Uint32>

/**
 * Decodes a {@link PositiveInt} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodePositiveInt(2)._tag === 'Right')
 * @since 0.1.0
 */
export const decodePositiveInt: (u: unknown) => Either<DecodeError, PositiveInt> = decodeWith(PositiveInt)

/**
 * Decodes a {@link NonNegativeInt} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeNonNegativeInt(-1)._tag === 'Left')
 * @since 0.1.0
 */
export const decodeNonNegativeInt: (u: unknown) => Either<DecodeError, NonNegativeInt> = decodeWith(NonNegativeInt)

/**
 * Decodes a {@link PositiveNumber} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodePositiveNumber(0.1)._tag === 'Right')
 * @since 0.1.0
 */
export const decodePositiveNumber: (u: unknown) => Either<DecodeError, PositiveNumber> = decodeWith(PositiveNumber)

/**
 * Decodes a {@link NonNegativeNumber} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeNonNegativeNumber(0)._tag === 'Right')
 * @since 0.1.0
 */
export const decodeNonNegativeNumber: (u: unknown) => Either<DecodeError, NonNegativeNumber> = decodeWith(NonNegativeNumber)

/**
 * Decodes a {@link Keep} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeKeep(0)._tag === 'Left')
 * @since 0.1.0
 */
export const decodeKeep: (u: unknown) => Either<DecodeError, Keep> = decodeWith(Keep)

/**
 * Decodes a {@link Rate} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeRate(1)._tag === 'Left')
 * @since 0.1.0
 */
export const decodeRate: (u: unknown) => Either<DecodeError, Rate> = decodeWith(Rate)

/**
 * Decodes a {@link Probability} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeProbability(1)._tag === 'Right')
 * @since 0.1.0
 */
export const decodeProbability: (u: unknown) => Either<DecodeError, Probability> = decodeWith(Probability)

/**
 * Decodes a {@link DecayFactor} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeDecayFactor(0.9)._tag === 'Right')
 * @since 0.1.0
 */
export const decodeDecayFactor: (u: unknown) => Either<DecodeError, DecayFactor> = decodeWith(DecayFactor)

/**
 * Decodes a {@link Uint32} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeUint32(-1)._tag === 'Left')
 * @since 0.1.0
 */
export const decodeUint32: (u: unknown) => Either<DecodeError, Uint32> = decodeWith(Uint32)

/**
 * Decodes a {@link Seed} from outside data, with a message naming what was expected.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.decodeSeed(42)._tag === 'Right')
 * @since 0.1.0
 */
export const decodeSeed: (u: unknown) => Either<DecodeError, Seed> = decodeWith(Seed)
