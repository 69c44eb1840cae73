/**
 * The backend seam: the one interface between the maths and the machine.
 * A backend owns buffers (it allocates, writes and reads them) and runs
 * kernels: it prepares one kernel per primitive application and dispatches
 * kernels in order. Only the eval interpreter calls `prepare`/`dispatch`,
 * and only `core/tensor.ts` calls `write`/`read`; nothing else in grad-ts
 * sees a buffer's elements.
 *
 * Synchronous by design: a dispatch returns when the output is written. A
 * backend that runs kernels on worker threads makes the calling thread wait,
 * so buffers may live in memory another thread writes (a
 * `SharedArrayBuffer`-backed WebAssembly memory): the interface never hands
 * out a view of a buffer, only copies (`read`) and fresh buffers (`write`).
 */
import type { Aval } from '../core/aval.js'
import type { DType, TypedArray } from '../core/dtype.js'
import type { Args, ParamsOf, Prim } from '../ad/primitives.js'
import { defaultBackend } from './index.js'

/** A backend's handle to the elements of one tensor; opaque outside the backend that made it. @internal */
export interface Buffer {
  readonly backend: string
}

/** A kernel prepared for one primitive at one signature (avals and params). @internal */
export interface Kernel {
  readonly backend: string
}

/** @internal */
export interface Backend {
  /** `js`, `wasm`, …: printed by the demo and the bench. */
  readonly name: string
  /** A fresh buffer holding a copy of `data` as elements of `dtype`. */
  write(dtype: DType, data: ArrayLike<number>): Buffer
  /** A fresh copy of a buffer's elements, in the typed array of its dtype. */
  read(buffer: Buffer, aval: Aval): TypedArray
  /** A kernel that computes `prim` on inputs of these avals into an output of `out`. */
  prepare<P extends Prim>(prim: P, inputs: Args<P, Aval>, params: ParamsOf[P], out: Aval): Kernel
  /** Runs a kernel on input buffers (in the order `prepare` saw their avals) and returns the output buffer. */
  dispatch(kernel: Kernel, inputs: readonly Buffer[]): Buffer
}

let current: Backend | undefined

/** The backend that runs kernels now: chosen on first use by `./index.ts`'s rules unless one was installed. @internal */
export const backend = (): Backend => (current ??= defaultBackend())

/** Installs a backend; returns the previous one. @internal */
export const installBackend = (b: Backend): Backend => {
  const previous = backend()
  current = b
  return previous
}
