/**
 * JSON codecs for dtypes, shapes, tensors and parameter trees.
 *
 * The JSON form of a tensor is `{ dtype, shape, data }` with `data` the
 * elements in row-major order. It is for hand-written and small data; it
 * is not bit-exact (JSON has no -0 or NaN payloads) — use safetensors for
 * checkpoints. Non-finite floats are written as the strings `"NaN"`,
 * `"Infinity"` and `"-Infinity"` and read back only when the caller allows
 * them.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import { type DType as CoreDType, alloc } from '../core/dtype.js'
import { fmtShape } from '../core/errors.js'
import { type Shape as CoreShape, sizeOf } from '../core/shape.js'
import { Tensor, fromData } from '../core/tensor.js'
import type { Tree } from '../tree/index.js'
import { NonNegativeInt } from './brands.js'
import { struct } from './combinators.js'
import { type DecodeError, decodeWith, isPlainRecord, namesElementsAsKeys, setOwn, show } from './errors.js'

/**
 * A tensor element type: `"float32"`, `"float64"`, `"int32"` or `"bool"`.
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.DType.is('float64') && !io.DType.is('float16'))
 * @since 0.1.0
 */
export const DType: t.Type<CoreDType, CoreDType> = t.keyof(
  { float32: null, float64: null, int32: null, bool: null },
  'a dtype ("float32", "float64", "int32" or "bool")',
)
/** A tensor element type (the core `DType`). @since 0.1.0 */
export type DType = CoreDType

/**
 * A shape: an array of non-negative integers, decoded to a frozen array.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.Shape.decode([2, 3])
 * console.assert(r._tag === 'Right' && Object.isFrozen(r.right))
 * @since 0.1.0
 */
export const Shape: t.Type<CoreShape, readonly number[]> = new t.Type<CoreShape, readonly number[], unknown>(
  'a shape (an array of non-negative integers)',
  (u): u is CoreShape => Array.isArray(u) && u.every((d) => NonNegativeInt.is(d)),
  (u, c) => {
    if (!Array.isArray(u)) return t.failure(u, c)
    const dims = u as readonly unknown[]
    const errors: t.ValidationError[] = []
    dims.forEach((d, i) => {
      if (!NonNegativeInt.is(d)) errors.push({ value: d, context: t.appendContext(c, String(i), NonNegativeInt, d) })
    })
    return errors.length > 0 ? t.failures(errors) : t.success(Object.freeze(dims.map((d) => (d as number) + 0)))
  },
  (a) => a.slice(),
)
/** A tensor's dimensions (the core `Shape`). @since 0.1.0 */
export type Shape = CoreShape

/** One element of the JSON form of a tensor. @since 0.1.0 */
export type TensorJsonValue = number | boolean | 'NaN' | 'Infinity' | '-Infinity'

/** The JSON form of a tensor: dtype, shape and the elements in row-major order. @since 0.1.0 */
export interface TensorJson {
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly data: readonly TensorJsonValue[]
}

/** The JSON form of a parameter tree: tensors in nested arrays and records. @since 0.1.0 */
export type TreeJson = TensorJson | readonly TreeJson[] | { readonly [key: string]: TreeJson }

/** Options of the tensor and tree decoders. @since 0.1.0 */
export interface TensorDecodeOptions {
  /** Accept NaN and ±Infinity in float tensors (default false: they are rejected). */
  readonly allowNonFinite?: boolean
}

const nonFiniteWords: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }
const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/** The stored value of one element, or why it does not fit the dtype. */
const element = (v: unknown, dtype: DType, allowNonFinite: boolean): number | string => {
  switch (dtype) {
    case 'bool':
      if (v === true || v === 1) return 1
      if (v === false || v === 0) return 0
      return `expected a boolean or 0/1 for a bool tensor, got ${show(v)}`
    case 'int32':
      if (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v
      return `expected an int32 (an integer in [${INT32_MIN}, ${INT32_MAX}]), got ${show(v)}`
    case 'float32':
    case 'float64': {
      const x = typeof v === 'number' ? v : typeof v === 'string' && Object.prototype.hasOwnProperty.call(nonFiniteWords, v) ? nonFiniteWords[v]! : undefined
      if (x === undefined) return `expected a number, got ${show(v)}`
      if (!Number.isFinite(x)) return allowNonFinite ? x : `expected a finite number, got ${show(v)} (pass allowNonFinite: true to accept NaN and ±Infinity)`
      if (dtype === 'float32' && !Number.isFinite(Math.fround(x))) return `expected a float32 value, got ${show(v)}, which overflows float32`
      return x
    }
  }
}

const TensorHeader = struct('a tensor { dtype, shape, data }', {
  dtype: DType,
  shape: Shape,
  data: t.UnknownArray,
})

const encodeElement = (v: number, dtype: DType): TensorJsonValue =>
  dtype === 'bool' ? v === 1 : Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'

/** Encodes a tensor to its JSON form. @internal */
export const tensorToJson = (x: Tensor): TensorJson => ({
  dtype: x.dtype,
  shape: x.shape.slice(),
  data: Array.from(x.toTypedArray(), (v) => encodeElement(v, x.dtype)),
})

/**
 * The codec between a `Tensor` and its JSON form, with options: the data
 * length must equal the product of the shape and every value must fit the
 * dtype (int32 integral and in range, bool 0/1 or booleans, floats finite
 * unless `allowNonFinite`). The first bad element of a tensor is reported
 * with its index, followed by how many more there are.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.tensorFromJson({ allowNonFinite: true }).decode({ dtype: 'float64', shape: [2], data: [1, 'NaN'] })
 * console.assert(r._tag === 'Right' && Number.isNaN(r.right.toTypedArray()[1]))
 * @since 0.1.0
 */
export const tensorFromJson = (options: TensorDecodeOptions = {}): t.Type<Tensor, TensorJson> => {
  const allowNonFinite = options.allowNonFinite ?? false
  return new t.Type<Tensor, TensorJson, unknown>(
    'a tensor { dtype, shape, data }',
    (u): u is Tensor => u instanceof Tensor,
    (u, c) => {
      const h = TensorHeader.validate(u, c)
      if (h._tag === 'Left') return h
      const { dtype, shape, data } = h.right
      const n = sizeOf(shape)
      const dataContext = t.appendContext(c, 'data', t.UnknownArray, data)
      if (data.length !== n) return t.failure(data, dataContext, `expected ${n} values for shape ${fmtShape(shape)}, got ${data.length}`)
      const buffer = alloc(dtype, n)
      let firstBad = -1
      let firstMessage = ''
      let bad = 0
      for (let i = 0; i < n; i++) {
        const x = element(data[i], dtype, allowNonFinite)
        if (typeof x === 'number') buffer[i] = x
        else {
          if (bad === 0) {
            firstBad = i
            firstMessage = x
          }
          bad++
        }
      }
      if (bad > 0) {
        const more = bad > 1 ? ` (and ${bad - 1} more invalid values)` : ''
        return t.failure(data[firstBad], t.appendContext(dataContext, String(firstBad), t.unknown, data[firstBad]), firstMessage + more)
      }
      return t.success(fromData(shape, dtype, buffer))
    },
    tensorToJson,
  )
}

/**
 * The codec between a `Tensor` and its JSON form; non-finite values are rejected.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.TensorFromJson.decode({ dtype: 'int32', shape: [2, 2], data: [1, 2, 3, 4] })
 * console.assert(r._tag === 'Right' && r.right.shape.join() === '2,2')
 * @since 0.1.0
 */
export const TensorFromJson: t.Type<Tensor, TensorJson> = tensorFromJson()

const treeName = 'a parameter tree (a tensor { dtype, shape, data }, or an array or record of trees)'

/**
 * The codec between a parameter tree and its JSON form, with options. A JSON
 * object whose `dtype` is a string is a tensor; any other object is a record
 * of subtrees; arrays are arrays of subtrees.
 *
 * @example
 * import { io } from 'grad-ts'
 * const json = { layers: [{ w: { dtype: 'float32', shape: [1], data: ['Infinity'] } }] }
 * console.assert(io.treeFromJson({ allowNonFinite: true }).decode(json)._tag === 'Right')
 * console.assert(io.TreeFromJson.decode(json)._tag === 'Left')
 * @since 0.1.0
 */
export const treeFromJson = (options: TensorDecodeOptions = {}): t.Type<Tree, TreeJson> => {
  const tensor = tensorFromJson(options)
  const encode = (a: Tree): TreeJson => {
    if (a instanceof Tensor) return tensorToJson(a)
    if (Array.isArray(a)) return (a as readonly Tree[]).map(encode)
    const out = {}
    const rec = a as { readonly [key: string]: Tree }
    for (const k of Object.keys(rec)) setOwn(out, k, encode(rec[k]!))
    return out
  }
  const codec: t.Type<Tree, TreeJson> = new t.Type<Tree, TreeJson, unknown>(
    treeName,
    (u): u is Tree =>
      u instanceof Tensor || (Array.isArray(u) && (u as readonly unknown[]).every((x) => codec.is(x))) || (isPlainRecord(u) && Object.values(u).every((x) => codec.is(x))),
    (u, c) => {
      if (Array.isArray(u)) {
        const errors: t.ValidationError[] = []
        const out: Tree[] = []
        ;(u as readonly unknown[]).forEach((x, i) => {
          const r = codec.validate(x, t.appendContext(c, String(i), codec, x))
          if (r._tag === 'Left') for (const e of r.left) errors.push(e)
          else out.push(r.right)
        })
        return errors.length > 0 ? t.failures(errors) : t.success(out)
      }
      if (!isPlainRecord(u)) return t.failure(u, c)
      if (typeof u.dtype === 'string') return tensor.validate(u, c)
      const errors: t.ValidationError[] = []
      const out = {}
      for (const k of Object.keys(u)) {
        const x = u[k]
        const r = codec.validate(x, t.appendContext(c, k, codec, x))
        if (r._tag === 'Left') for (const e of r.left) errors.push(e)
        else setOwn(out, k, r.right)
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out)
    },
    encode,
  )
  return namesElementsAsKeys(codec)
}

/**
 * The codec between a parameter tree and its JSON form; non-finite values are rejected.
 *
 * @example
 * import { io, tensor } from 'grad-ts'
 * const json = io.TreeFromJson.encode({ w: tensor([[1, 2]]) })
 * const back = io.TreeFromJson.decode(JSON.parse(JSON.stringify(json)))
 * console.assert(back._tag === 'Right')
 * @since 0.1.0
 */
export const TreeFromJson: t.Type<Tree, TreeJson> = treeFromJson()

/**
 * Decodes a dtype name from outside data.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeDType('float16')
 * console.assert(r._tag === 'Left' && r.left.message.startsWith('expected a dtype'))
 * @since 0.1.0
 */
export const decodeDType: (u: unknown) => Either<DecodeError, DType> = decodeWith(DType)

/**
 * Decodes a shape from outside data, naming the bad dimension.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeShape([2, -3])
 * console.assert(r._tag === 'Left' && r.left.message === '[1]: expected a non-negative integer, got -3')
 * @since 0.1.0
 */
export const decodeShape: (u: unknown) => Either<DecodeError, CoreShape> = decodeWith(Shape)

/**
 * Decodes a tensor from its JSON form; never throws, never half-builds.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeTensorJson({ dtype: 'int32', shape: [2], data: [1, 2.5] })
 * console.assert(r._tag === 'Left' && r.left.message.startsWith('data[1]: expected an int32'))
 * @since 0.1.0
 */
export const decodeTensorJson = (u: unknown, options: TensorDecodeOptions = {}): Either<DecodeError, Tensor> => decodeWith(tensorFromJson(options))(u)

/**
 * Decodes a parameter tree from its JSON form, with paths to every problem.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeTreeJson({ layers: [{ w: { dtype: 'float32', shape: [-3], data: [] } }] })
 * console.assert(r._tag === 'Left' && r.left.message === 'layers.0.w.shape[0]: expected a non-negative integer, got -3')
 * @since 0.1.0
 */
export const decodeTreeJson = (u: unknown, options: TensorDecodeOptions = {}): Either<DecodeError, Tree> => decodeWith(treeFromJson(options))(u)
