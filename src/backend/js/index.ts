/**
 * The JavaScript backend: the reference loops over typed arrays. Its kernel
 * table has one entry per primitive of the catalogue (the compiler checks),
 * each preparing a closure specialised to the avals and params it is given.
 * A buffer is a typed array that no one writes after its kernel returns, so
 * views (reshape, stopGradient) share it.
 */
import type { Aval } from '../../core/aval.js'
import { type DType, type TypedArray, alloc } from '../../core/dtype.js'
import { TensorError } from '../../core/errors.js'
import { type Shape, sizeOf } from '../../core/shape.js'
import { type Args, type BinaryPrim, type ComparePrim, type ParamsOf, type Prim, type ReducePrim, type UnaryPrim, matmulDims } from '../../ad/primitives.js'
import type { Backend, Buffer, Kernel } from '../backend.js'
import { binaryKernel, castKernel, unaryKernel, whereKernel } from './elementwise.js'
import { convKernel } from './conv.js'
import { matmulKernel } from './matmul.js'
import { broadcastKernel, concatKernel, gatherKernel, padKernel, scatterAddKernel, sliceKernel, transposeKernel } from './movement.js'
import { argsortKernel, randomBitsKernel, randomFoldInKernel, randomSplitKernel } from './random.js'
import { argReduceKernel, reduceKernel } from './reduce.js'

/**
 * Where another backend keeps a copy of a buffer's elements (the WebAssembly
 * backend's memory): `copyOut` makes the typed array when a reference kernel
 * or a read first needs it. @internal
 */
export interface Residence {
  copyOut(): TypedArray
}

/**
 * A buffer of the JavaScript backend, shared by the WebAssembly backend: a
 * typed array no one writes after its kernel returns. A buffer the
 * WebAssembly backend made may exist only in its memory until `data` is first
 * asked for. @internal
 */
export class JsBuffer implements Buffer {
  readonly backend = 'js'
  private elements: TypedArray | undefined

  constructor(data: TypedArray | undefined, public residence?: Residence) {
    this.elements = data
  }

  /** The elements as a typed array (copied out of another backend's memory on first use). */
  get data(): TypedArray {
    return (this.elements ??= this.residence!.copyOut())
  }

  /** Makes the typed array now, if it does not exist yet. */
  materialize(): void {
    this.elements ??= this.residence!.copyOut()
  }

  /** Whether the typed array exists already. */
  get materialized(): boolean {
    return this.elements !== undefined
  }
}

/** A prepared kernel's body: input arrays to a fresh output array. @internal */
export type Run = (xs: readonly TypedArray[]) => TypedArray

/** @internal */
export class JsKernel implements Kernel {
  readonly backend = 'js'
  constructor(readonly run: Run) {}
}

const blocks = (shape: Shape, axis: number) => ({ outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) })

/** Indices outside `[0, size)` are the caller's error, named after the public op: the kernel is the one place that sees them all (also under vmap). */
const checkIndices = (op: string, idx: Int32Array, size: number, shape: Shape): void => {
  for (let i = 0; i < idx.length; i++) {
    if (idx[i]! < 0 || idx[i]! >= size) throw new TensorError(op, `index ${idx[i]} is out of range [0, ${size}) (indices [${shape.join(',')}])`)
  }
}

/** A batch operand of matmul: its buffer and batch stride; broadcast batches are materialised only where one stride cannot express them. @internal */
export const matmulOperand = (x: TypedArray, shape: Shape, batch: Shape): { data: Float32Array | Float64Array; stride: number } => {
  const mat = shape.slice(-2)
  const own = shape.slice(0, -2)
  const data = x as Float32Array | Float64Array
  if (sizeOf(own) === sizeOf(batch)) return { data, stride: sizeOf(mat) }
  if (sizeOf(own) === 1) return { data, stride: 0 }
  return { data: broadcastKernel(data, shape, [...batch, ...mat]) as Float32Array | Float64Array, stride: sizeOf(mat) }
}

type Prepare<P extends Prim> = (ins: Args<P, Aval>, params: ParamsOf[P], out: Aval) => Run

const unary = <P extends UnaryPrim>(op: Parameters<typeof unaryKernel>[0]): Prepare<P> => (_, __, out) => ([x]) => unaryKernel(op, x!, out.dtype)
const binary = <P extends BinaryPrim | ComparePrim>(op: Parameters<typeof binaryKernel>[0]): Prepare<P> => ([a, b], _, out) => ([x, y]) => binaryKernel(op, x!, a.shape, y!, b!.shape, out.shape, out.dtype)
const reduction = <P extends ReducePrim>(op: P): Prepare<P> => ([x], { axes }, out) => ([d]) => reduceKernel(op, d!, x.shape, axes, out.dtype)
const argReduction = <P extends 'argmax' | 'argmin'>(op: 'max' | 'min'): Prepare<P> => ([x], { axis }) => {
  const { outer, inner } = blocks(x.shape, axis)
  return ([d]) => argReduceKernel(op, d!, outer, x.shape[axis]!, inner)
}
const share: Run = ([x]) => x!

const kernels: { readonly [P in Prim]: Prepare<P> } = {
  neg: unary('neg'), exp: unary('exp'), expm1: unary('expm1'), log: unary('log'), log1p: unary('log1p'), sqrt: unary('sqrt'), abs: unary('abs'),
  sign: unary('sign'), sin: unary('sin'), cos: unary('cos'), tan: unary('tan'), tanh: unary('tanh'), sigmoid: unary('sigmoid'), relu: unary('relu'), erf: unary('erf'), erfInv: unary('erfInv'),
  add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div'), pow: binary('pow'), maximum: binary('maximum'), minimum: binary('minimum'),
  equal: binary('eq'), notEqual: binary('ne'), less: binary('lt'), lessEqual: binary('le'), greater: binary('gt'), greaterEqual: binary('ge'),
  where: ([c, a, b], _, out) => ([dc, da, db]) => whereKernel(dc!, c.shape, da!, a.shape, db!, b.shape, out.shape, out.dtype),
  cast: (_, { dtype }) => ([x]) => castKernel(x!, dtype),
  stopGradient: () => share,
  sum: reduction('sum'), max: reduction('max'), min: reduction('min'),
  argmax: argReduction('max'), argmin: argReduction('min'),
  reshape: () => share,
  transpose: ([x], { perm }) => ([d]) => transposeKernel(d!, x.shape, perm),
  broadcastTo: ([x], _, out) => ([d]) => broadcastKernel(d!, x.shape, out.shape),
  slice: ([x], { begin }, out) => ([d]) => sliceKernel(d!, x.shape, begin, out.shape),
  pad: ([x], { before }, out) => ([d]) => padKernel(d!, x.shape, before, out.shape),
  concat: (xs, { axis }, out) => (ds) => concatKernel(ds, xs.map((x) => x.shape), axis, out.shape),
  gather: ([x, idx], { axis }) => {
    const { outer, inner } = blocks(x.shape, axis)
    const A = x.shape[axis]!
    return ([d, i]) => {
      checkIndices('gather', i as Int32Array, A, idx.shape)
      return gatherKernel(d!, outer, A, inner, i as Int32Array)
    }
  },
  scatterAdd: ([, idx], { axis, size }, out) => {
    const { outer, inner } = blocks(out.shape, axis)
    return ([u, i]) => {
      checkIndices('scatterAdd', i as Int32Array, size, idx.shape)
      return scatterAddKernel(u!, outer, size, inner, i as Int32Array)
    }
  },
  matmul: ([a, b], f, out) => {
    const { m, k, n, batch } = matmulDims(a.shape, b.shape, f)
    return ([da, db]) => {
      const o = alloc(out.dtype, sizeOf(out.shape)) as Float32Array | Float64Array
      const A = matmulOperand(da!, a.shape, batch)
      const B = matmulOperand(db!, b.shape, batch)
      matmulKernel(A.data, B.data, o, sizeOf(batch), m, k, n, f.ta, f.tb, A.stride, B.stride)
      return o
    }
  },
  conv: ([a, b], p, out) => ([x, w]) => convKernel(x!, w!, a.shape, b.shape, p, out.dtype),
  argsort: ([x], { axis }) => {
    const { outer, inner } = blocks(x.shape, axis)
    return ([d]) => argsortKernel(d!, outer, x.shape[axis]!, inner)
  },
  randomBits: (_, { shape, dist }) => ([k]) => randomBitsKernel(k as Int32Array, sizeOf(shape), dist),
  randomSplit: (_, { n }) => ([k]) => randomSplitKernel(k as Int32Array, n),
  randomFoldIn: (_, { data }) => ([k]) => randomFoldInKernel(k as Int32Array, data),
  user: (_, { rules, params }, out) => (ds) => {
    // The user's impl gets copies: a buffer is never written after its kernel returns.
    const got = rules.impl(ds.map((d) => d.slice()), params, out)
    const o = alloc(out.dtype, sizeOf(out.shape))
    if (got.length !== o.length) throw new TensorError(rules.name, `impl returned ${got.length} elements for an output of ${sizeOf(out.shape)} (${out.dtype}[${out.shape.join(',')}])`)
    o.set(got)
    return o
  },
}

/** The elements of one of this backend's buffers. @internal */
export const dataOf = (b: Buffer): TypedArray => {
  if (!(b instanceof JsBuffer)) throw new Error(`grad-ts: a buffer of the ${b.backend} backend reached the js backend`)
  return b.data
}

/** A fresh typed array of `dtype` holding `data`. @internal */
export const copyOf = (dtype: DType, data: ArrayLike<number>): TypedArray => {
  const out = alloc(dtype, data.length)
  out.set(data)
  return out
}

/** The reference kernel for one primitive application. @internal */
export const jsPrepare = <P extends Prim>(prim: P, inputs: Args<P, Aval>, params: ParamsOf[P], out: Aval): Run => (kernels[prim] as Prepare<P>)(inputs, params, out)

/** The JavaScript backend. @internal */
export const jsBackend: Backend = {
  name: 'js',
  write: (dtype, data) => new JsBuffer(copyOf(dtype, data)),
  read: (buffer) => dataOf(buffer).slice(),
  prepare: (prim, inputs, params, out) => new JsKernel(jsPrepare(prim, inputs, params, out)),
  dispatch: (kernel, inputs) => {
    if (!(kernel instanceof JsKernel)) throw new Error(`grad-ts: a kernel of the ${kernel.backend} backend reached the js backend`)
    return new JsBuffer(kernel.run(inputs.map(dataOf)))
  },
}
