/**
 * The WebAssembly memory kernels run in, and the copies at the seam.
 *
 * Tensors stay JavaScript values the garbage collector owns; no tensor ever
 * needs disposing. Their elements may live in two places: a typed array, and
 * a *region* of the WebAssembly memory. A kernel's output is born in a
 * region only; its typed array is made (copied out) when a reference kernel,
 * a read or an eviction first needs it. An input already in a region is used
 * where it is; any other input is copied in.
 *
 * Regions are allocated in a ring over a fixed arena, oldest first out: a
 * new region evicts the regions it overlaps, copying out the elements of any
 * whose typed array does not exist yet and whose tensor has not been found
 * dead. The ring never holds a buffer (a buffer holds its region), so dead
 * tensors are collectable at once; a finalizer marks a collected buffer's
 * region, and its eviction then copies nothing. Finalizers run between tasks
 * and after a collection, never inside a synchronous loop, so there every
 * output is copied out once unless it is still in the arena when read — but
 * only once, and a consumer that runs soon after its producer never copies in. The
 * arena grows only when one kernel's working set (inputs, output, per-thread
 * workspace) needs more than a quarter of it, so memory is flat over any
 * number of steps. The copies are counted (`stats`).
 */
import { type DType, type TypedArray, alloc } from '../../core/dtype.js'
import type { JsBuffer, Residence } from '../js/index.js'

const PAGE = 65536
/** Low addresses stay unused, so a zero pointer is never valid data. */
const BASE = 1024
/** The largest memory: 2 GiB (32768 pages) keeps every byte address a non-negative i32. */
export const MAX_PAGES = 32768
/** The arena's first size; it grows only for kernels whose working set exceeds a quarter of it. */
const ARENA = 64 << 20

/** Bytes and time spent copying between typed arrays and the memory. @internal */
export interface CopyStats {
  bytesIn: number
  bytesOut: number
  copies: number
  ms: number
}

/** Whether a region's buffer has been collected: a token apart from the region, so the registry holds nothing large. */
interface Fate { dead: boolean }

/**
 * Marks a collected buffer's fate dead, so that its region's eviction copies
 * nothing. Finalizers run between tasks (never inside a synchronous loop);
 * an evicted region unregisters, so the registry holds at most one entry per
 * region in the ring.
 */
const finalizers = new FinalizationRegistry<Fate>((f) => {
  f.dead = true
})

const align = (n: number): number => (n + 15) & ~15

const now = (): number => performance.now()

/** Bytes per element. @internal */
export const bytesOf = (dtype: DType): number => (dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4)

const viewOf = (buffer: ArrayBufferLike, dtype: DType, p: number, n: number): TypedArray => {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, p, n)
    case 'float64': return new Float64Array(buffer, p, n)
    case 'int32': return new Int32Array(buffer, p, n)
    case 'bool': return new Uint8Array(buffer, p, n)
  }
}

/**
 * A buffer's elements in the arena. The region never references its buffer
 * (the buffer references it, as its residence), so a buffer no one holds can
 * be collected while its region is still in the ring; a finalizer then marks
 * the region dead, and its eviction copies nothing.
 */
class Region implements Residence {
  /** Cleared when evicted: the bytes belong to another region then. */
  live = true
  /** Set once the buffer has its own typed array (made through `copyOut`), or had one when copied in. */
  copied = false
  /** Set by the finalizer when the buffer has been collected (regions of buffers made elsewhere have none). */
  fate: Fate | undefined
  /** The elements saved at eviction for a buffer that has no typed array yet, until it asks for them. */
  saved: TypedArray | undefined

  constructor(
    private readonly heap: Heap,
    readonly ptr: number,
    readonly bytes: number,
    readonly dtype: DType,
    readonly n: number,
  ) {}

  /** The buffer's typed array: from the arena while the region is live, else what eviction saved. */
  copyOut(): TypedArray {
    const out = this.live ? this.heap.copyOut(this.dtype, this.ptr, this.n) : this.saved
    if (out === undefined) throw new Error('grad-ts: a buffer left the WebAssembly memory without its elements; this is a bug in grad-ts')
    this.copied = true
    this.saved = undefined
    return out
  }
}

/** A dispatch's block of the arena: its inputs' addresses, and room for its output and workspace. @internal */
export interface Block {
  /** The address of each input's elements, in the order given. */
  readonly inputs: readonly number[]
  /** Reserves `bytes` of the block (16-byte aligned). */
  take(bytes: number): number
}

/** @internal */
export class Heap {
  readonly memory: WebAssembly.Memory
  readonly stats: CopyStats = { bytesIn: 0, bytesOut: 0, copies: 0, ms: 0 }
  /** The arena is [BASE, end); `head` is where the next block starts. */
  private end = BASE + ARENA
  private head = BASE
  /** Regions in allocation order: the front is the oldest, at the lowest address at or after `head`. */
  private ring: Region[] = []
  private front = 0

  constructor(readonly shared: boolean) {
    const pages = Math.ceil(this.end / PAGE)
    this.memory = new WebAssembly.Memory(shared ? { initial: pages, maximum: MAX_PAGES, shared: true } : { initial: pages, maximum: MAX_PAGES })
  }

  /** Whether a kernel whose working set is `bytes` can run here: the arena must hold four such blocks. */
  fits(bytes: number): boolean {
    return BASE + 4 * align(bytes) <= MAX_PAGES * PAGE
  }

  /** A fresh copy of a buffer's elements, from its typed array if it has one, else from its region (without keeping a typed array). */
  read(b: JsBuffer): TypedArray {
    const r = b.residence
    if (b.materialized || !(r instanceof Region) || !r.live) return b.data.slice()
    return this.copyOut(r.dtype, r.ptr, r.n)
  }

  /** Copies `n` elements at `p` into a fresh typed array. */
  copyOut(dtype: DType, p: number, n: number): TypedArray {
    const t0 = now()
    // A fresh array then `set`: `slice()` of a view on WebAssembly memory measured 2–4× slower.
    const out = alloc(dtype, n)
    out.set(viewOf(this.memory.buffer, dtype, p, n))
    this.stats.bytesOut += out.byteLength
    this.stats.copies++
    this.stats.ms += now() - t0
    return out
  }

  private evictFront(): void {
    const r = this.ring[this.front]!
    this.ring[this.front++] = undefined as unknown as Region
    // Copies out while the bytes are still there, unless the buffer has its elements or is dead.
    const f = r.fate
    if (f !== undefined) {
      if (!r.copied && !f.dead) r.saved = this.copyOut(r.dtype, r.ptr, r.n)
      finalizers.unregister(f)
      r.fate = undefined
    }
    r.live = false
    if (this.front > 1024 && this.front * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.front)
      this.front = 0
    }
  }

  /** Evicts the regions ahead of `head` that start before `until`. */
  private evictUntil(until: number): void {
    while (this.front < this.ring.length) {
      const r = this.ring[this.front]!
      if (r.ptr < this.head || r.ptr >= until) return
      this.evictFront()
    }
  }

  /** Makes the arena at least `bytes` long, growing the memory (regions keep their addresses). */
  private grow(bytes: number): void {
    const end = BASE + bytes
    const have = this.memory.buffer.byteLength
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE))
    this.end = Math.max(this.end, end)
  }

  /**
   * Starts a dispatch: a block holding every input (in place if its elements
   * are in a region the block does not overlap, else copied in) and `extra`
   * bytes for the output and workspace. Regions the block overlaps are
   * evicted first. `finish` ends the block.
   */
  begin(inputs: readonly JsBuffer[], extra: number): Block {
    const sizes = inputs.map((b) => align(bytesOfBuffer(b)))
    const worst = sizes.reduce((s, x) => s + x, 0) + align(extra) + 16 * (inputs.length + 2)
    if (4 * worst > this.end - BASE) this.grow(4 * worst)
    if (this.head + worst > this.end) {
      // Wrap: the regions in the tail are the oldest; evict them, then start over at BASE.
      this.evictUntil(this.end)
      this.head = BASE
    }
    this.evictUntil(this.head + worst)
    let top = this.head
    const take = (bytes: number): number => {
      const p = align(top)
      top = p + bytes
      return p
    }
    const seen = new Map<JsBuffer, number>()
    const addrs = inputs.map((b, i) => {
      const known = seen.get(b)
      if (known !== undefined) return known
      const r = b.residence
      let p: number
      if (r instanceof Region && r.live) p = r.ptr
      else {
        const d = b.data
        p = take(d.byteLength)
        const t0 = now()
        new Uint8Array(this.memory.buffer, p, d.byteLength).set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
        this.stats.bytesIn += d.byteLength
        this.stats.copies++
        this.stats.ms += now() - t0
        const region = new Region(this, p, sizes[i]!, dtypeOfBuffer(d), d.length)
        region.copied = true // the buffer has its typed array
        b.residence = region
        this.ring.push(region)
      }
      seen.set(b, p)
      return p
    })
    return {
      inputs: addrs,
      take: (bytes) => {
        const p = take(bytes)
        if (top > this.head + worst) throw new Error('grad-ts: a WebAssembly kernel asked for more memory than it reserved; this is a bug in grad-ts')
        return p
      },
    }
  }

  /** Ends a block whose output, `n` elements of `dtype`, is at `p`: the output becomes a buffer living in that region. */
  finish(p: number, dtype: DType, n: number, make: (r: Residence) => JsBuffer): JsBuffer {
    const bytes = n * bytesOf(dtype)
    const r = new Region(this, p, align(bytes), dtype, n)
    const out = make(r)
    const fate: Fate = { dead: false }
    r.fate = fate
    finalizers.register(out, fate, fate)
    this.ring.push(r)
    // Kernels take their output before any workspace: the block ends at the output, and the workspace is free again.
    this.head = align(p + bytes)
    return out
  }

  /** A new buffer whose elements, `data` as `dtype`, live only in a region (the tensor constructors' copy). */
  store(dtype: DType, data: ArrayLike<number>, make: (r: Residence) => JsBuffer): JsBuffer {
    const n = data.length
    const bytes = n * bytesOf(dtype)
    const block = this.begin([], bytes)
    const p = block.take(bytes)
    const t0 = now()
    viewOf(this.memory.buffer, dtype, p, n).set(data)
    this.stats.bytesIn += bytes
    this.stats.copies++
    this.stats.ms += now() - t0
    return this.finish(p, dtype, n, make)
  }

  /** A view of `n` elements at `p`, valid until the memory grows. */
  view(dtype: DType, p: number, n: number): TypedArray {
    return viewOf(this.memory.buffer, dtype, p, n)
  }
}

const dtypeOfBuffer = (d: TypedArray): DType =>
  d instanceof Float32Array ? 'float32' : d instanceof Float64Array ? 'float64' : d instanceof Int32Array ? 'int32' : 'bool'

const bytesOfBuffer = (b: JsBuffer): number => {
  const r = b.residence
  return r instanceof Region && r.live ? r.bytes : b.data.byteLength
}
