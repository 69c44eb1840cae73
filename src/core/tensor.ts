/**
 * The immutable tensor. A tensor is a shape, a dtype and either a buffer of a
 * backend — elements that are never written after the tensor is made — or,
 * inside a transformation (`grad`, `jvp`, `vmap`, `evalShape`, …), a tracer:
 * its place in that transformation. Every rule sees only shapes and dtypes
 * (avals); only the eval interpreter runs kernels, and only this file reads
 * or writes a buffer, through the backend.
 *
 * A traced tensor of `grad`/`vjp`/`jvp` still has concrete elements (its
 * primal), so reading it is allowed and control flow on values works; a
 * tensor inside `vmap` or `evalShape` has none, and reading it is a TensorError.
 */
import { type Buffer, backend } from '../backend/backend.js'
import type { Aval } from './aval.js'
import { describe } from './check.js'
import { type DType, type TypedArray, alloc, checkDType, checkElement, dtypeOfArray } from './dtype.js'
import { TensorError, fmtShape } from './errors.js'
import { type Shape, checkShape, sizeOf } from './shape.js'

/** A nested array of numbers or booleans, as written in source code. @since 0.1.0 */
export type NestedArray = number | boolean | readonly NestedArray[]
/** What `toArray` gives back: numbers (or booleans for bool tensors) nested `rank` deep. @since 0.1.0 */
export type Nested = number | boolean | Nested[]

/**
 * What a transformation's tracer shows the tensor layer: the transformation
 * it belongs to. Opaque to users.
 * @internal
 */
export interface Tracer {
  readonly main: TraceMain
}

/** One running transformation, as the tensor layer sees it. @internal */
export interface TraceMain {
  /** Nesting order: a transformation started inside another has a higher level. */
  readonly level: number
  /** Cleared when the transformation returns; a tracer seen after that has leaked. */
  readonly active: boolean
  /** The transformation's public name (`grad`, `vmap`, `evalShape`, …), for messages. */
  readonly name: string
  /** The concrete tensor a tracer of this transformation stands for, or undefined when it has none. */
  concrete(x: Tensor): Tensor | undefined
}

/**
 * An immutable n-dimensional array. Make one with {@link tensor},
 * {@link fromTypedArray}, {@link zeros}, {@link arange} and friends; combine
 * them with the functions of this library.
 *
 * @example
 * import { tensor } from 'grad-ts'
 * const x = tensor([[1, 2], [3, 4]])
 * console.assert(x.shape.join() === '2,2' && x.dtype === 'float32')
 * console.assert(x.toTypedArray()[2] === 3 && x.toString().startsWith('tensor('))
 * @since 0.1.0
 */
export class Tensor implements Aval {
  /** Number of elements. */
  readonly size: number
  /** Dimensions, outermost first; frozen. */
  readonly shape: Shape
  /** @internal */
  constructor(
    shape: Shape,
    /** Element type. */
    readonly dtype: DType,
    /** The backend buffer of a concrete tensor; undefined for a tracer. @internal */
    readonly storage: Buffer | undefined,
    /** Present while this tensor takes part in a transformation. @internal */
    readonly tracer?: Tracer,
  ) {
    // Every tensor's shape is frozen here, whichever rule computed it.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice())
    this.size = sizeOf(shape)
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length
  }

  /** A fresh copy of the elements in row-major order. */
  toTypedArray(): TypedArray {
    return elementsOf('toTypedArray', this)
  }

  /** The elements as nested JavaScript arrays (a number for a scalar). */
  toArray(): Nested {
    const { shape } = this
    const data = elementsOf('toArray', this)
    const bool = this.dtype === 'bool'
    const build = (dim: number, offset: number, stride: number): Nested => {
      if (dim === shape.length) return bool ? data[offset] === 1 : data[offset]!
      const n = shape[dim]!
      const inner = stride / n
      const out: Nested[] = new Array<Nested>(n)
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * inner, inner)
      return out
    }
    return build(0, 0, this.size)
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new TensorError('item', `needs exactly one element, got shape ${fmtShape(this.shape)}`)
    return elementsOf('item', this)[0]!
  }

  /** A readable rendering, like NumPy's: long dimensions are elided. */
  toString(): string {
    return show(this)
  }
}

/**
 * The concrete tensor behind `t`: itself, or the primal of a tracer that has one.
 * A tracer without elements (inside `vmap`, `evalShape`) is a TensorError naming `op`.
 * @internal
 */
export const concreteOf = (op: string, t: Tensor): Tensor => {
  if (t.storage !== undefined) return t
  const main = t.tracer!.main
  const c = main.concrete(t)
  if (c === undefined) {
    throw new TensorError(op, `a value inside ${main.name} has no elements to read: it stands for a whole batch or a shape only (read it outside, or use where/select instead of control flow)`)
  }
  return concreteOf(op, c)
}

/** A fresh copy of the elements of `t` (through its backend). @internal */
export const elementsOf = (op: string, t: Tensor): TypedArray => {
  const c = concreteOf(op, t)
  return backend().read(c.storage!, c)
}

/** The elements of `t` if it has them (a concrete tensor, or a tracer of grad/jvp), else undefined: for checks that only values can fail. @internal */
export const elementsIfConcrete = (t: Tensor): TypedArray | undefined => {
  let c: Tensor | undefined = t
  while (c !== undefined && c.storage === undefined) c = c.tracer!.main.concrete(c)
  return c === undefined ? undefined : backend().read(c.storage!, c)
}

/** The same value (buffer or tracer) as a tensor of a subclass (keys): a new object, nothing copied. @internal */
export const recast = <T extends Tensor>(t: Tensor, Class: new (shape: Shape, dtype: DType, storage: Buffer | undefined, tracer?: Tracer) => T): T =>
  new Class(t.shape, t.dtype, t.storage, t.tracer)

/** A concrete tensor over a fresh buffer holding `data` (which the caller may reuse). @internal */
export const fromData = (shape: Shape, dtype: DType, data: ArrayLike<number>): Tensor => new Tensor(shape, dtype, backend().write(dtype, data))

const fmtNum = (v: number, dtype: DType): string => {
  if (dtype === 'bool') return v ? 'true' : 'false'
  if (dtype === 'int32') return String(v)
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return `${v}.`
  const a = Math.abs(v)
  return a !== 0 && (a < 1e-4 || a >= 1e8) ? v.toExponential(4) : String(Number(v.toPrecision(dtype === 'float32' ? 6 : 8)))
}

/**
 * A readable rendering of a tensor: its values (long dimensions elided to
 * three items at each end), dtype and shape.
 *
 * @example
 * import { show, tensor } from 'grad-ts'
 * console.assert(show(tensor([1, 2.5])) === 'tensor([ 1., 2.5], float32, [2])')
 * @since 0.1.0
 */
export const show = (t: Tensor, edge = 3): string => {
  const { shape, dtype } = t
  const data = elementsIfConcrete(t)
  if (data === undefined) return `tensor(<traced by ${t.tracer!.main.name}>, ${dtype}, ${fmtShape(shape)})`
  const cells = Array.from(data, (v) => fmtNum(v, dtype))
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0)
  const body = (dim: number, offset: number, stride: number, indent: string): string => {
    if (dim === shape.length) return shape.length === 0 ? cells[offset]! : cells[offset]!.padStart(width)
    const n = shape[dim]!
    const inner = n === 0 ? 0 : stride / n
    const idx = n > 2 * edge + 1 ? [...Array.from({ length: edge }, (_, i) => i), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)] : Array.from({ length: n }, (_, i) => i)
    const parts = idx.map((i) => (i < 0 ? '...' : body(dim + 1, offset + i * inner, inner, indent + ' ')))
    const sep = dim === shape.length - 1 ? ', ' : `,\n${'\n'.repeat(Math.max(0, shape.length - dim - 2))}${indent} `
    return `[${parts.join(sep)}]`
  }
  const values = shape.length === 0 ? (cells[0] ?? '') : body(0, 0, t.size, '       ')
  return `tensor(${values.replace(/^ +/, '')}, ${dtype}, ${fmtShape(shape)})`
}

const inferShape = (x: NestedArray): number[] => {
  const shape: number[] = []
  let cur: NestedArray = x
  while (Array.isArray(cur)) {
    shape.push(cur.length)
    if (cur.length === 0) break
    cur = (cur as readonly NestedArray[])[0]!
  }
  return shape
}

const defaultDType = (x: NestedArray): DType => {
  let cur: NestedArray = x
  while (Array.isArray(cur) && cur.length > 0) cur = (cur as readonly NestedArray[])[0]!
  return typeof cur === 'boolean' ? 'bool' : 'float32'
}

/**
 * A fresh buffer of `n` elements for a constructor named `op`: an engine that
 * cannot allocate it (out of memory) is a TensorError naming `op`, not a bare RangeError.
 * @internal
 */
export const allocFor = (op: string, dtype: DType, n: number): TypedArray => {
  try {
    return alloc(dtype, n)
  } catch (e) {
    if (e instanceof RangeError) throw new TensorError(op, `cannot allocate ${n} ${dtype} elements: ${e.message}`)
    throw e
  }
}

/**
 * A tensor from nested arrays of numbers (or booleans). The default dtype is
 * float32 (bool for booleans). Ragged input is an error that names the path;
 * so is a value the dtype cannot hold exactly (a fraction or an out-of-range
 * number for int32; anything but true, false, 0 or 1 for bool).
 *
 * @example
 * import { tensor } from 'grad-ts'
 * const labels = tensor([3, 1, 4], 'int32')
 * console.assert(labels.dtype === 'int32' && labels.shape[0] === 3)
 * console.assert(tensor(2.5, 'float64').item() === 2.5)
 * @since 0.1.0
 */
export const tensor = (values: NestedArray, dtype: DType = defaultDType(values)): Tensor => {
  const d = checkDType('tensor', dtype)
  const shape = checkShape('tensor', inferShape(values))
  const data = allocFor('tensor', d, sizeOf(shape))
  let k = 0
  const fill = (x: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) throw new TensorError('tensor', `ragged nested array: ${path || 'value'} is an array where its siblings are ${shape.length === 0 ? 'scalars' : 'numbers'}`)
      data[k++] = checkElement('tensor', x, d, path || 'value')
      return
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new TensorError('tensor', `ragged nested array: ${path || 'value'} should be an array of length ${shape[dim]}`)
    }
    ;(x as readonly NestedArray[]).forEach((v, i) => { fill(v, dim + 1, `${path}[${i}]`) })
  }
  fill(values, 0, '')
  return fromData(shape, d, data)
}

/**
 * A tensor over a typed array (copied, so later writes to `array` cannot reach
 * it). The dtype follows the array: Float32Array, Float64Array, Int32Array, or
 * Uint8Array for bool (whose bytes must be 0 or 1). Any other kind of array is
 * an error (use {@link tensor} for plain arrays). The shape defaults to one dimension.
 *
 * @example
 * import { fromTypedArray } from 'grad-ts'
 * const x = fromTypedArray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3])
 * console.assert(x.dtype === 'float64' && x.shape.join() === '2,3')
 * @since 0.1.0
 */
export const fromTypedArray = (array: TypedArray, shape: readonly number[] = [array.length]): Tensor => {
  const dtype = dtypeOfArray(array)
  if (dtype === undefined) {
    const kind = typeof array === 'object' ? describe(array) : typeof array
    throw new TensorError('fromTypedArray', `array must be a Float32Array, Float64Array, Int32Array or Uint8Array (bool), got ${kind}`)
  }
  const s = checkShape('fromTypedArray', shape)
  if (sizeOf(s) !== array.length) {
    throw new TensorError('fromTypedArray', `shape ${fmtShape(s)} needs ${sizeOf(s)} elements, the array has ${array.length}`)
  }
  if (dtype === 'bool') {
    const at = array.findIndex((v) => v > 1)
    if (at >= 0) throw new TensorError('fromTypedArray', `a Uint8Array is read as bool and may hold only 0 and 1, found ${array[at]} at index ${at}`)
  }
  return fromData(s, dtype, array)
}

/** An op's tensor argument, checked: anything but a Tensor is an error naming the op and the argument. @internal */
export const tensorArg = (op: string, arg: string, x: unknown): Tensor => {
  if (x instanceof Tensor) return x
  throw new TensorError(op, `${arg} must be a tensor, got ${describe(x)}`)
}

/** `full` under the name of the function the user called. */
const filled = (op: string, shape: readonly number[], value: number, dtype: DType, what = 'the fill value'): Tensor => {
  const d = checkDType(op, dtype)
  const v = checkElement(op, value, d, what)
  const s = checkShape(op, shape)
  const data = allocFor(op, d, sizeOf(s))
  if (!Object.is(v, 0)) data.fill(v)
  return fromData(s, d, data)
}

/**
 * A tensor of one value repeated over a shape. The value must fit the dtype
 * exactly, as in {@link tensor}: `full([2], 0.5, 'int32')` is an error.
 *
 * @example
 * import { full } from 'grad-ts'
 * console.assert(full([2, 2], 7).toTypedArray().every((v) => v === 7))
 * console.assert(full([3], 1, 'bool').toTypedArray().join() === '1,1,1')
 * @since 0.1.0
 */
export const full = (shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor => filled('full', shape, value, dtype)

/**
 * A tensor of zeros.
 *
 * @example
 * import { zeros } from 'grad-ts'
 * console.assert(zeros([3], 'float64').toTypedArray().every((v) => v === 0))
 * @since 0.1.0
 */
export const zeros = (shape: readonly number[], dtype: DType = 'float32'): Tensor => filled('zeros', shape, 0, dtype)

/**
 * A tensor of ones.
 *
 * @example
 * import { ones } from 'grad-ts'
 * console.assert(ones([2, 3]).size === 6)
 * @since 0.1.0
 */
export const ones = (shape: readonly number[], dtype: DType = 'float32'): Tensor => filled('ones', shape, 1, dtype)

/** A 1-D tensor of `n` values `at(i)`, each checked against the dtype. */
const sequence = (op: string, n: number, dtype: DType, at: (i: number) => number): Tensor => {
  const s = checkShape(op, [n], 'length')
  const data = allocFor(op, dtype, n)
  for (let i = 0; i < n; i++) data[i] = checkElement(op, at(i), dtype, `element ${i}`)
  return fromData(s, dtype, data)
}

/**
 * Evenly spaced values in `[start, stop)` with a step, like NumPy's `arange`.
 * With one argument, `arange(n)` is `0, 1, …, n − 1`. For int32 every value
 * must be an integer (integer start and step).
 *
 * @example
 * import { arange } from 'grad-ts'
 * console.assert(arange(4).toTypedArray().join() === '0,1,2,3')
 * console.assert(arange(1, 2, 0.25, 'float64').size === 4)
 * @since 0.1.0
 */
export const arange = (start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor => {
  const d = checkDType('arange', dtype)
  const [from, to] = stop === undefined ? [0, start] : [start, stop]
  if (typeof from !== 'number' || typeof to !== 'number' || typeof step !== 'number' || !Number.isFinite(from) || !Number.isFinite(to) || !Number.isFinite(step) || step === 0) {
    throw new TensorError('arange', `needs finite start and stop and a non-zero step, got ${describe(from)}, ${describe(to)}, ${describe(step)}`)
  }
  if (d === 'bool') throw new TensorError('arange', 'dtype bool has no ranges; use int32 and compare')
  return sequence('arange', Math.max(0, Math.ceil((to - from) / step)), d, (i) => from + i * step)
}

/**
 * `num` evenly spaced values from `start` to `stop`, both included.
 *
 * @example
 * import { linspace } from 'grad-ts'
 * console.assert(linspace(0, 1, 5, 'float64').toTypedArray().join() === '0,0.25,0.5,0.75,1')
 * @since 0.1.0
 */
export const linspace = (start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor => {
  const d = checkDType('linspace', dtype)
  if (!Number.isSafeInteger(num) || num < 0) throw new TensorError('linspace', `num must be a non-negative integer, got ${describe(num)}`)
  if (typeof start !== 'number' || typeof stop !== 'number' || !Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new TensorError('linspace', `needs finite start and stop, got ${describe(start)} and ${describe(stop)}`)
  }
  const step = num > 1 ? (stop - start) / (num - 1) : 0
  return sequence('linspace', num, d, (i) => (i === num - 1 && num > 1 ? stop : start + i * step))
}

/**
 * The identity matrix (or an `n × m` matrix with ones on the diagonal).
 *
 * @example
 * import { eye } from 'grad-ts'
 * console.assert(eye(2).toTypedArray().join() === '1,0,0,1')
 * @since 0.1.0
 */
export const eye = (n: number, m: number = n, dtype: DType = 'float32'): Tensor => {
  const d = checkDType('eye', dtype)
  const s = checkShape('eye', [n, m], 'size [n, m]')
  const data = allocFor('eye', d, n * m)
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1
  return fromData(s, d, data)
}

/**
 * A scalar (rank-0) tensor. The value must fit the dtype exactly.
 *
 * @example
 * import { scalar } from 'grad-ts'
 * console.assert(scalar(3).rank === 0 && scalar(3).item() === 3)
 * @since 0.1.0
 */
export const scalar = (value: number, dtype: DType = 'float32'): Tensor => filled('scalar', [], value, dtype, 'the value')
