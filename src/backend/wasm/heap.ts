/**
 * The WebAssembly memory kernels run in, and the copies at the seam.
 *
 * Tensors' buffers stay JavaScript typed arrays, collected by the garbage
 * collector like any value, so no tensor ever needs disposing. A kernel
 * copies its inputs into the memory, runs, and copies its output out into a
 * fresh typed array. The memory is a scratch area reused by every dispatch:
 * it grows to the largest working set a kernel has needed (inputs, output and
 * per-thread workspace) and no further, so it is flat over any number of
 * steps. The copies are counted (`copyStats`), so the bench can say what
 * fraction of a step they cost.
 */
import type { DType, TypedArray } from '../../core/dtype.js'

const PAGE = 65536
/** Low addresses stay unused, so a zero pointer is never valid data. */
const BASE = 1024
/** The largest memory: 2 GiB (32768 pages) keeps every byte address a non-negative i32. */
export const MAX_PAGES = 32768

/** Bytes and time spent copying between typed arrays and the memory. @internal */
export interface CopyStats {
  bytesIn: number
  bytesOut: number
  copies: number
  ms: number
}

const align = (n: number): number => (n + 15) & ~15

const now = (): number => performance.now()

/** @internal */
export class Heap {
  readonly memory: WebAssembly.Memory
  private top = BASE
  readonly stats: CopyStats = { bytesIn: 0, bytesOut: 0, copies: 0, ms: 0 }

  constructor(readonly shared: boolean) {
    this.memory = new WebAssembly.Memory(shared ? { initial: 16, maximum: MAX_PAGES, shared: true } : { initial: 16, maximum: MAX_PAGES })
  }

  /** Starts a dispatch: the previous dispatch's scratch is free again. */
  reset(): void {
    this.top = BASE
  }

  /** Whether `bytes` more bytes fit under the largest memory. */
  fits(bytes: number): boolean {
    return align(this.top) + bytes <= MAX_PAGES * PAGE
  }

  /** Reserves `bytes` of scratch (16-byte aligned) for this dispatch; the memory grows if it must. */
  alloc(bytes: number): number {
    const p = align(this.top)
    this.top = p + bytes
    const have = this.memory.buffer.byteLength
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE))
    return p
  }

  /** Copies `data` into fresh scratch and returns its address. */
  put(data: TypedArray): number {
    const t0 = now()
    const p = this.alloc(data.byteLength)
    new Uint8Array(this.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    this.stats.bytesIn += data.byteLength
    this.stats.copies++
    this.stats.ms += now() - t0
    return p
  }

  /** A fresh typed array holding `n` elements of `dtype` copied from `p`. */
  take(dtype: DType, p: number, n: number): TypedArray {
    const t0 = now()
    const out = viewOf(this.memory.buffer, dtype, p, n).slice()
    this.stats.bytesOut += out.byteLength
    this.stats.copies++
    this.stats.ms += now() - t0
    return out
  }

  /** A view of `n` elements at `p`, valid until the memory grows. */
  view(dtype: DType, p: number, n: number): TypedArray {
    return viewOf(this.memory.buffer, dtype, p, n)
  }
}

const viewOf = (buffer: ArrayBufferLike, dtype: DType, p: number, n: number): TypedArray => {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, p, n)
    case 'float64': return new Float64Array(buffer, p, n)
    case 'int32': return new Int32Array(buffer, p, n)
    case 'bool': return new Uint8Array(buffer, p, n)
  }
}

/** Bytes per element. @internal */
export const bytesOf = (dtype: DType): number => (dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4)
