/**
 * Small io-ts combinators our codecs are built from: strict records with
 * optional keys (unknown keys are an error, so a misspelt `maxnorm` cannot
 * be silently ignored), unions dispatched on a tag field (so errors come from
 * the branch the tag names), and fixed-length pairs.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import { hasOwn, isPlainRecord, setOwn, show } from './errors.js'

/** Codecs of the keys of a record. @since 0.1.0 */
export type Props = Readonly<Record<string, t.Mixed>>

/** An intersection of records flattened into one record type, as editors show it. @since 0.1.0 */
export type Simplify<T> = { [K in keyof T]: T[K] }

/** The decoded type of a `struct`: required keys, then optional ones. @since 0.1.0 */
export type StructOf<R extends Props, O extends Props> = Simplify<
  { readonly [K in keyof R]: t.TypeOf<R[K]> } & { readonly [K in keyof O]?: t.TypeOf<O[K]> }
>

/** The encoded (JSON) type of a `struct`. @since 0.1.0 */
export type StructOutputOf<R extends Props, O extends Props> = Simplify<
  { readonly [K in keyof R]: t.OutputOf<R[K]> } & { readonly [K in keyof O]?: t.OutputOf<O[K]> }
>

/**
 * The codec a `struct` makes; keeps its key codecs so tools can list a config's fields.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.SgdConfig instanceof io.StructType && Object.keys(io.SgdConfig.required).join() === 'type,learningRate')
 * @since 0.1.0
 */
export class StructType<R extends Props, O extends Props> extends t.Type<StructOf<R, O>, StructOutputOf<R, O>> {
  readonly _tag = 'StructType' as const
  constructor(
    name: string,
    readonly required: R,
    readonly optional: O,
    readonly allowExtraKeys: boolean,
  ) {
    const known = [...Object.keys(required), ...Object.keys(optional)]
    const isKnown = (k: string): boolean => hasOwn(required, k) || hasOwn(optional, k)
    super(
      name,
      (u): u is StructOf<R, O> =>
        isPlainRecord(u) &&
        Object.keys(required).every((k) => required[k]!.is(u[k])) &&
        Object.keys(optional).every((k) => !hasOwn(u, k) || u[k] === undefined || optional[k]!.is(u[k])) &&
        (allowExtraKeys || Object.keys(u).every(isKnown)),
      (u, c) => {
        if (!isPlainRecord(u)) return t.failure(u, c)
        const errors: t.ValidationError[] = []
        const out = {}
        const field = (k: string, codec: t.Mixed): void => {
          const v = hasOwn(u, k) ? u[k] : undefined
          const r = codec.validate(v, t.appendContext(c, k, codec, v))
          if (E.isLeft(r)) for (const e of r.left) errors.push(e)
          else setOwn(out, k, r.right)
        }
        for (const k of Object.keys(required)) field(k, required[k]!)
        for (const k of Object.keys(optional)) if (hasOwn(u, k) && u[k] !== undefined) field(k, optional[k]!)
        if (!allowExtraKeys) {
          for (const k of Object.keys(u)) {
            if (!isKnown(k)) errors.push({ value: u[k], context: t.appendContext(c, k, t.never, u[k]), message: `unknown key; ${name} has ${known.join(', ')}` })
          }
        }
        return errors.length > 0 ? t.failures(errors) : t.success(out as StructOf<R, O>)
      },
      (a) => {
        const out = {}
        const rec = a as Readonly<Record<string, unknown>>
        for (const k of Object.keys(required)) setOwn(out, k, required[k]!.encode(rec[k]))
        for (const k of Object.keys(optional)) if (rec[k] !== undefined) setOwn(out, k, optional[k]!.encode(rec[k]))
        return out as StructOutputOf<R, O>
      },
    )
  }
}

/**
 * A record codec with required and optional keys. Unknown keys are an error
 * naming the key (unless `allowExtraKeys`, which drops them); an optional key
 * set to `undefined` counts as absent. Decoding builds a fresh object.
 *
 * @example
 * import { io } from 'grad-ts'
 * const Point = io.struct('a point', { x: io.NonNegativeInt }, { label: io.NonNegativeInt })
 * console.assert(Point.decode({ x: 1 })._tag === 'Right')
 * const r = io.decodeWith(Point)({ x: 1, y: 2 })
 * console.assert(r._tag === 'Left' && r.left.message.startsWith('y: unknown key'))
 * @since 0.1.0
 */
// eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- no optional keys is exactly the empty record
export const struct = <R extends Props, O extends Props = Record<never, t.Mixed>>(
  name: string,
  required: R,
  optional: O = {} as O,
  allowExtraKeys = false,
): StructType<R, O> => new StructType(name, required, optional, allowExtraKeys)

/**
 * The codec `tagged` makes; keeps its tag and members so tools can list the variants.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.OptimizerConfig instanceof io.TaggedType && Object.keys(io.OptimizerConfig.members).join() === 'sgd,momentum,adam,rmsprop,adagrad,adamw')
 * @since 0.1.0
 */
export class TaggedType<Tag extends string, M extends Props> extends t.Type<t.TypeOf<M[keyof M]>, t.OutputOf<M[keyof M]>> {
  readonly _tag = 'TaggedType' as const
  constructor(
    name: string,
    readonly tag: Tag,
    readonly members: M,
  ) {
    const tags = Object.keys(members).map((k) => JSON.stringify(k)).join(', ')
    const member = (u: unknown): t.Mixed | undefined => {
      if (!isPlainRecord(u) || !hasOwn(u, tag)) return undefined
      const v = u[tag]
      return typeof v === 'string' && hasOwn(members, v) ? members[v] : undefined
    }
    super(
      name,
      (u): u is t.TypeOf<M[keyof M]> => member(u)?.is(u) ?? false,
      (u, c) => {
        if (!isPlainRecord(u)) return t.failure(u, c)
        const codec = member(u)
        if (codec !== undefined) return codec.validate(u, c) as t.Validation<t.TypeOf<M[keyof M]>>
        const v = hasOwn(u, tag) ? u[tag] : undefined
        const message = hasOwn(u, tag) ? `expected one of ${tags}, got ${show(v)}` : `missing, expected one of ${tags}`
        return t.failure(v, t.appendContext(c, tag, t.string, v), message)
      },
      (a) => {
        const codec = member(a)
        return (codec === undefined ? a : codec.encode(a)) as t.OutputOf<M[keyof M]>
      },
    )
  }
}

/**
 * A union dispatched on a tag key (`{ type: 'sgd', ... }`): only the branch
 * the tag names is tried, so its errors are the ones reported; an unknown tag
 * is reported at the tag with the allowed values.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeWith(io.OptimizerConfig)({ type: 'lion', learningRate: 0.1 })
 * console.assert(r._tag === 'Left' && r.left.message === 'type: expected one of "sgd", "momentum", "adam", "rmsprop", "adagrad", "adamw", got "lion"')
 * @since 0.1.0
 */
export const tagged = <Tag extends string, M extends Props>(tag: Tag, members: M, name: string): TaggedType<Tag, M> =>
  new TaggedType(name, tag, members)

/**
 * A pair `[a, b]` of one codec: exactly two elements (io-ts' `tuple` drops
 * extra elements silently; this rejects them).
 *
 * @example
 * import { io } from 'grad-ts'
 * const Range = io.pair(io.NonNegativeInt, 'a range [begin, end]')
 * console.assert(Range.decode([0, 4])._tag === 'Right' && Range.decode([0, 4, 8])._tag === 'Left')
 * @since 0.1.0
 */
export const pair = <C extends t.Mixed>(codec: C, name: string): t.Type<readonly [t.TypeOf<C>, t.TypeOf<C>], readonly [t.OutputOf<C>, t.OutputOf<C>]> =>
  new t.Type<readonly [t.TypeOf<C>, t.TypeOf<C>], readonly [t.OutputOf<C>, t.OutputOf<C>], unknown>(
    name,
    (u): u is readonly [t.TypeOf<C>, t.TypeOf<C>] => Array.isArray(u) && u.length === 2 && codec.is(u[0]) && codec.is(u[1]),
    (u, c) => {
      if (!Array.isArray(u) || u.length !== 2) return t.failure(u, c)
      const xs = u as readonly unknown[]
      const a = codec.validate(xs[0], t.appendContext(c, '0', codec, xs[0]))
      const b = codec.validate(xs[1], t.appendContext(c, '1', codec, xs[1]))
      if (E.isLeft(a) || E.isLeft(b)) return t.failures([...(E.isLeft(a) ? a.left : []), ...(E.isLeft(b) ? b.left : [])])
      return t.success(Object.freeze([a.right, b.right] as const))
    },
    ([a, b]) => [codec.encode(a) as t.OutputOf<C>, codec.encode(b) as t.OutputOf<C>] as const,
  )
