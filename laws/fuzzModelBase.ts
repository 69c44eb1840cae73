/**
 * The vocabulary of the fuzzer's model (laws/fuzzModel.ts): what it knows of
 * an argument, the dtype and broadcasting rules of docs/tensors.md, and the
 * rules of the elementwise ops — written apart from the library's own shape
 * and dtype code.
 * @internal
 * @module
 */
import type { DType } from '../src/core/dtype.js'

/** What the model knows of an argument: a tensor's shape and dtype (and, when known, its values), a list of them, or a JavaScript literal. */
export type ArgInfo =
  | { readonly kind: 'tensor'; readonly shape: readonly number[]; readonly dtype: DType; readonly values?: ArrayLike<number> | undefined }
  | { readonly kind: 'list'; readonly items: readonly ArgInfo[] }
  | { readonly kind: 'lit'; readonly value: unknown }

/**
 * What a call must do: return `result` (a shape and one of the dtypes), throw
 * a `TensorError` (`error`: why), or, when both are given, either.
 */
export interface Expectation {
  readonly result?: { readonly shape: readonly number[]; readonly dtypes: readonly DType[] }
  readonly error?: string
}

export type T = Extract<ArgInfo, { kind: 'tensor' }>
export type Rule = (m: Model, args: readonly (ArgInfo | undefined)[]) => { shape: readonly number[]; dtypes: readonly DType[] }

export class Reject extends Error {
  constructor(readonly why: string) {
    super(why)
  }
}
export const reject = (why: string): never => {
  throw new Reject(why)
}

/** Collects the reasons for which a TensorError is acceptable although a result is computed. */
export class Model {
  readonly loose: string[] = []
  allow(why: string): void {
    this.loose.push(why)
  }
}

// ------------------------------------------------------------ dtypes and shapes

export const ORDER: readonly DType[] = ['bool', 'int32', 'float32', 'float64']
export const DTYPES = new Set<unknown>(ORDER)
export const promote = (a: DType, b: DType): DType => ORDER[Math.max(ORDER.indexOf(a), ORDER.indexOf(b))]!
export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64'
export const floatOf = (d: DType): DType => (isFloat(d) ? d : 'float32')
export const INT_MIN = -(2 ** 31)
export const INT_MAX = 2 ** 31 - 1
export const isInt32 = (v: number): boolean => Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX

/** More elements than any typed array can hold: the call must be refused. */
export const MAX_ELEMENTS = 2 ** 32
export const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1)
export const fmt = (s: readonly number[]): string => `[${s.join(',')}]`
export const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(show).join(',')}]` : typeof v === 'object' && v !== null ? 'an object' : String(v))

/** NumPy's rule: align on the right, each pair of dimensions equal or one of them 1. */
export const broadcast = (a: readonly number[], b: readonly number[]): number[] => {
  const n = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : a[i - (n - a.length)]!
    const y = i < n - b.length ? 1 : b[i - (n - b.length)]!
    if (x !== y && x !== 1 && y !== 1) reject(`${fmt(a)} and ${fmt(b)} do not broadcast`)
    out.push(x === 1 ? y : x)
  }
  return out
}

export const axisOf = (a: unknown, r: number): number =>
  typeof a === 'number' && Number.isInteger(a) && a >= -r && a < r ? (a < 0 ? a + r : a) : reject(`axis ${show(a)} is out of range for rank ${r}`)

export const isDims = (v: unknown): v is readonly number[] => Array.isArray(v) && v.every((d) => typeof d === 'number')
/** A list of non-negative safe integers. */
export const dimsOf = (v: unknown, what: string): readonly number[] =>
  isDims(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0) ? v : reject(`${what} ${show(v)} is not a list of non-negative integers`)
export const count = (v: unknown, what: string): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : reject(`${what} ${show(v)} is not a non-negative integer`))
export const dtypeArg = (v: unknown, fallback: DType): DType => (v === undefined ? fallback : DTYPES.has(v) ? (v as DType) : reject(`${show(v)} is not a dtype`))

// ------------------------------------------------------------ arguments

/** A `Tensor` parameter. A number is not one, but treating it as a float32 scalar would be harmless, so either outcome is accepted. */
export const tensorArg = (m: Model, a: ArgInfo | undefined, what: string): T => {
  if (a?.kind === 'tensor') return a
  if (a?.kind === 'lit' && typeof a.value === 'number') {
    m.allow(`${what} is a number, not a tensor`)
    return { kind: 'tensor', shape: [], dtype: 'float32' }
  }
  return reject(`${what} is ${a?.kind === 'lit' ? show(a.value) : a === undefined ? 'missing' : 'a list'}, not a tensor`)
}

/** A `TensorLike` operand: a tensor, or a number (a weak scalar). */
export type Operand = { readonly t: T } | { readonly weak: number }
export const operand = (a: ArgInfo | undefined, what: string): Operand =>
  a?.kind === 'tensor' ? { t: a } : a?.kind === 'lit' && typeof a.value === 'number' ? { weak: a.value } : reject(`${what} is ${a?.kind === 'lit' ? show(a.value) : 'missing'}, not a tensor or a number`)
export const shapeOf = (o: Operand): readonly number[] => ('t' in o ? o.t.shape : [])

/**
 * A weak number meeting a tensor of dtype d takes d; a fraction meeting an
 * integer tensor makes float32; an integer int32 cannot hold meeting an
 * integer tensor is an error, as in JAX (never a wrapped value).
 */
export const weakMeets = (v: number, d: DType): DType => {
  if (isFloat(d)) return d
  if (!Number.isInteger(v)) return 'float32'
  if (!isInt32(v)) reject(`${v} does not fit the int32 it meets`)
  return 'int32'
}

/** The dtype two operands compute in. */
export const common = (x: Operand, y: Operand): DType => {
  if ('weak' in x && 'weak' in y) return 'float32'
  if ('weak' in x) return weakMeets(x.weak, (y as { t: T }).t.dtype)
  if ('weak' in y) return weakMeets(y.weak, x.t.dtype)
  return promote(x.t.dtype, y.t.dtype)
}

export type Kind = 'arith' | 'select' | 'float' | 'compare'
/** A binary op's result dtype: arithmetic on bools is int32, selection (maximum, minimum) keeps them, div and pow of integers are float32, comparisons bool. */
export const binaryDtype = (kind: Kind, d: DType): DType =>
  kind === 'compare' ? 'bool' : kind === 'float' ? floatOf(d) : kind === 'arith' && d === 'bool' ? 'int32' : d

export const binary = (kind: Kind): Rule => (m, [a, b]) => {
  const x = operand(a, 'the first operand')
  const y = operand(b, 'the second operand')
  return { shape: broadcast(shapeOf(x), shapeOf(y)), dtypes: [binaryDtype(kind, common(x, y))] }
}

/** Float functions of integers are float32; neg of a bool is an error (as in NumPy); abs, sign and relu of a bool may keep it or count it as int32, or refuse. */
export const unary = (kind: 'float' | 'neg' | 'keep'): Rule => (m, [a]) => {
  const x = operand(a, 'the operand')
  if ('weak' in x) return { shape: [], dtypes: ['float32'] }
  const d = x.t.dtype
  if (kind === 'float') return { shape: x.t.shape, dtypes: [floatOf(d)] }
  if (d === 'bool') {
    if (kind === 'neg') reject('a bool has no negative')
    m.allow('arithmetic on a bool tensor')
    return { shape: x.t.shape, dtypes: ['bool', 'int32'] }
  }
  return { shape: x.t.shape, dtypes: [d] }
}


export const lit = (a: ArgInfo | undefined): unknown => (a === undefined ? undefined : a.kind === 'lit' ? a.value : reject('a tensor where a plain value belongs'))

/** int32 indices, every one in [0, size) (checked when the values are known). */
export const indices = (m: Model, a: ArgInfo | undefined, size: number, what: string): T => {
  const idx = tensorArg(m, a, what)
  if (idx.dtype !== 'int32') reject(`${what} are ${idx.dtype}, not int32`)
  const bad = Array.from(idx.values ?? []).find((v) => v < 0 || v >= size)
  if (bad !== undefined) reject(`${what} hold ${bad}, out of range [0, ${size})`)
  return idx
}
