/**
 * The WebAssembly backend: SIMD128 kernels, built at run time by the emitter
 * from this repository's source, optionally spread over worker threads that
 * share one memory. Its buffers are the JavaScript backend's (typed arrays
 * the garbage collector owns), so every primitive without a kernel here runs
 * the reference kernel on the same buffers, with no conversion. Kernels here:
 *
 * - matmul, float32 and float64 (`gemm.ts`): split over threads by rows or
 *   columns of the output, never over the sum, so every thread count gives
 *   the same bits;
 * - exact elementwise ops on float32/float64 (`elementwise.ts`), the same
 *   bits as the reference;
 * - threefry bits and float32 uniforms (`random.ts`), the same bits as the
 *   reference and JAX, split over threads by counter ranges;
 * - sum, max and min over contiguous axes, float32/float64 (`reduce.ts`), the
 *   same bits as the reference, split over threads by blocks of outer axes
 *   or by rows, never over the reduced axes;
 * - float32 convolution (`conv.ts`): direct SIMD kernels, any feature group
 *   count, split over threads by output positions.
 */
import type { Aval } from '../../core/aval.js'
import { type Shape, sizeOf } from '../../core/shape.js'
import { type Args, type ParamsOf, type Prim, matmulDims } from '../../ad/primitives.js'
import type { Backend, Buffer, Kernel } from '../backend.js'
import { type Run, JsBuffer, copyOf, jsPrepare, matmulOperand } from '../js/index.js'
import { erfinv32 } from '../js/erfinv.js'
import { planBroadcast } from '../js/plan.js'
import { ModuleBuilder } from './emit.js'
import { type Kind, type Lanes, type WasmBinary, type WasmUnary, binaryName, emitElementwise, unaryName, whereName } from './elementwise.js'
import { type WasmReduce, ROW_BLOCK, emitReductions, reduceName } from './reduce.js'
import { MR, emitGemms, gemmWorkspace } from './gemm.js'
import { emitConvs, prepareConv } from './conv.js'
import type { Residence } from '../js/index.js'
import { Heap, MAX_PAGES, bytesOf } from './heap.js'
import { type Job, Pool, poolPlatform } from './pool.js'
import { emitRandom } from './random.js'

/** Whether this platform runs WebAssembly SIMD128: a module using `v128` validates. @internal */
export const hasSimd = (): boolean => {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false
  const mb = new ModuleBuilder({ initial: 1, maximum: 1, shared: false })
  const f = mb.fn('probe', [], ['i32'])
  f.i32Const(0).i32x4Splat().i32x4ExtractLane(0)
  return WebAssembly.validate(mb.bytes())
}

/** Whether shared WebAssembly memory exists here (Node; a browser page only when cross-origin isolated). @internal */
export const hasSharedMemory = (): boolean => {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer
  } catch {
    return false
  }
}

/** Elements below which a kernel stays on the calling thread (a job costs a few microseconds to post and wake). */
const PAR_ELEMENTS = 1 << 16
/** Multiply-adds below which a matmul stays on the calling thread (a 128² product, 2²¹, measured faster on one thread than two). */
const PAR_MACS = 1 << 22
/** The sizes above which kernels split over threads, for tests that change them and put them back. @internal */
export const DEFAULT_SPLIT = { elements: PAR_ELEMENTS, macs: PAR_MACS } as const
/** Elements below which an elementwise op runs the reference kernel (the copies cost more than the loop). */
const MIN_ELEMENTS = 64

interface Machine {
  readonly heap: Heap
  readonly module: WebAssembly.Module
  readonly names: readonly string[]
  readonly index: ReadonlyMap<string, number>
  readonly fns: readonly ((...args: number[]) => void)[]
  threads: number
  pool: Pool | undefined
  /** For tests: the sizes above which work is split over threads. */
  parElements: number
  parMacs: number
  /** Kernel calls that ran on more than one thread. */
  parallelRuns: number
}

const build = (shared: boolean): Machine => {
  const heap = new Heap(shared)
  const mb = new ModuleBuilder({ initial: 16, maximum: MAX_PAGES, shared })
  emitGemms(mb)
  emitConvs(mb)
  emitElementwise(mb)
  emitRandom(mb)
  emitReductions(mb)
  const module = new WebAssembly.Module(mb.bytes())
  const exports = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports
  const names = mb.names()
  const fns = names.map((n) => exports[n] as (...args: number[]) => void)
  return { heap, module, names, index: new Map(names.map((n, i) => [n, i])), fns, threads: 1, pool: undefined, parElements: PAR_ELEMENTS, parMacs: PAR_MACS, parallelRuns: 0 }
}

/** Starts a pool of `mc.threads` threads (stopping one of another size) unless one runs; one thread needs none. */
const startPool = (mc: Machine): void => {
  if (mc.threads === 1 || mc.pool?.size === mc.threads) return
  mc.pool?.close()
  mc.pool = new Pool(mc.threads, mc.module, mc.heap.memory, mc.names, mc.fns)
}

/**
 * Runs jobs of one kernel: on the calling thread when there is one, else on
 * the pool, which runs on the calling thread the jobs of workers not started
 * yet (so a kernel may run on fewer threads than it was split for, with the
 * same bits).
 */
const runJobs = (mc: Machine, jobs: readonly Job[]): void => {
  if (jobs.length === 1) {
    mc.fns[jobs[0]!.fn]!(...jobs[0]!.args)
    return
  }
  startPool(mc)
  if (mc.pool!.run(jobs) > 1) mc.parallelRuns++
}

/** `[0, n)` cut into at most `parts` ranges whose starts are multiples of `quantum`. */
const ranges = (n: number, parts: number, quantum: number): [number, number][] => {
  const step = Math.ceil(n / parts / quantum) * quantum
  const out: [number, number][] = []
  for (let s = 0; s < n; s += step) out.push([s, Math.min(n, s + step)])
  return out
}

/** A kernel's body here: buffers in, a buffer out (whose elements may live only in the memory). */
type WasmRun = (xs: readonly JsBuffer[]) => JsBuffer

type Prepare<P extends Prim> = (mc: Machine, ins: Args<P, Aval>, params: ParamsOf[P], out: Aval) => WasmRun | undefined

class WasmKernel implements Kernel {
  readonly backend = 'wasm'
  constructor(readonly run: WasmRun) {}
}

/** A reference kernel on this backend's buffers: it reads their typed arrays (copying out what lives only in the memory). */
const reference = (run: Run): WasmRun => (xs) => new JsBuffer(run(xs.map((x) => x.data)))

const resident = (r: Residence): JsBuffer => new JsBuffer(undefined, r)

const lanesOf = (a: Aval): Lanes | undefined => (a.dtype === 'float32' ? 'f32' : a.dtype === 'float64' ? 'f64' : undefined)

/** A broadcast seen as R rows of L elements, each operand a row (`v`) or one element per row (`s`) with a row stride in elements; undefined if it is not one. */
const rowsOf = (out: Shape, shapes: readonly Shape[]): { R: number; L: number; kinds: Kind[]; strides: number[] } | undefined => {
  const plan = planBroadcast(out, shapes)
  const L = plan.inner
  const R = plan.runs
  const kinds: Kind[] = []
  const strides: number[] = []
  for (let k = 0; k < shapes.length; k++) {
    const s = plan.strides[k]!
    const offs = plan.offsets[k]!
    if (s !== 0 && s !== 1) return undefined
    if (L > 1 && s === 0 && sizeOf(shapes[k]!) === sizeOf(out)) return undefined
    const row = R > 1 ? offs[1]! - offs[0]! : 0
    for (let r = 1; r < R; r++) if (offs[r]! !== r * row) return undefined
    kinds.push(s === 1 || L === 1 ? 'v' : 's')
    strides.push(row)
  }
  return { R, L, kinds, strides }
}

const binary = <P extends Prim>(op: WasmBinary): Prepare<P> => (mc, ins, _, out) => {
  const [a, b] = ins as unknown as [Aval, Aval]
  const t = lanesOf(a)
  if (t === undefined || a.dtype !== b.dtype || (out.dtype !== a.dtype && out.dtype !== 'bool')) return undefined
  const n = sizeOf(out.shape)
  if (n < MIN_ELEMENTS) return undefined
  const plan = rowsOf(out.shape, [a.shape, b.shape])
  if (plan === undefined) return undefined
  const [kx, ky] = plan.kinds as [Kind, Kind]
  if (kx === 's' && ky === 's') return undefined
  const fn = mc.index.get(binaryName(op, t, kx, ky))!
  const E = bytesOf(a.dtype)
  const OE = bytesOf(out.dtype)
  const { R, L } = plan
  const [sx, sy] = plan.strides as [number, number]
  return (xs) => {
    const h = mc.heap
    const block = h.begin(xs, n * OE)
    const [px, py] = block.inputs as [number, number]
    const po = block.take(n * OE)
    const parts = n >= mc.parElements ? mc.threads : 1
    // Rows go to threads whole; a single row is cut into pieces.
    const jobs: Job[] = R > 1
      ? ranges(R, Math.min(parts, R), 1).map(([r0, r1]) => ({ fn, args: [px + r0 * sx * E, sx * E, py + r0 * sy * E, sy * E, po + r0 * L * OE, r1 - r0, L] }))
      : ranges(L, parts, 16).map(([i0, i1]) => ({ fn, args: [px + (kx === 'v' ? i0 * E : 0), 0, py + (ky === 'v' ? i0 * E : 0), 0, po + i0 * OE, 1, i1 - i0] }))
    runJobs(mc, jobs)
    return h.finish(po, out.dtype, n, resident)
  }
}

const unary = <P extends Prim>(op: WasmUnary): Prepare<P> => (mc, ins, _, out) => {
  const [a] = ins as unknown as [Aval]
  const t = lanesOf(a)
  const n = sizeOf(out.shape)
  if (t === undefined || a.dtype !== out.dtype || n < MIN_ELEMENTS) return undefined
  const fn = mc.index.get(unaryName(op, t))!
  const E = bytesOf(a.dtype)
  return (xs) => {
    const h = mc.heap
    const block = h.begin(xs, n * E)
    const [px] = block.inputs as [number]
    const po = block.take(n * E)
    const parts = n >= mc.parElements ? mc.threads : 1
    runJobs(mc, ranges(n, parts, 16).map(([i0, i1]) => ({ fn, args: [px + i0 * E, po + i0 * E, i1 - i0] })))
    return h.finish(po, out.dtype, n, resident)
  }
}

const where: Prepare<'where'> = (mc, [c, a, b], _, out) => {
  const t = lanesOf(out)
  const n = sizeOf(out.shape)
  if (t === undefined || a.dtype !== out.dtype || b.dtype !== out.dtype || n < MIN_ELEMENTS) return undefined
  const plan = rowsOf(out.shape, [c.shape, a.shape, b.shape])
  if (plan === undefined || plan.kinds.every((k) => k === 's')) return undefined
  const [kc, ka, kb] = plan.kinds as [Kind, Kind, Kind]
  const fn = mc.index.get(whereName(t, kc, ka, kb))!
  const E = bytesOf(out.dtype)
  const { R, L } = plan
  const [sc, sa, sb] = plan.strides as [number, number, number]
  return (xs) => {
    const h = mc.heap
    const block = h.begin(xs, n * E)
    const [pc, pa, pb] = block.inputs as [number, number, number]
    const po = block.take(n * E)
    const parts = n >= mc.parElements ? mc.threads : 1
    const jobs: Job[] = R > 1
      ? ranges(R, Math.min(parts, R), 1).map(([r0, r1]) => ({ fn, args: [pc + r0 * sc, sc, pa + r0 * sa * E, sa * E, pb + r0 * sb * E, sb * E, po + r0 * L * E, r1 - r0, L] }))
      : ranges(L, parts, 16).map(([i0, i1]) => ({ fn, args: [pc + (kc === 'v' ? i0 : 0), 0, pa + (ka === 'v' ? i0 * E : 0), 0, pb + (kb === 'v' ? i0 * E : 0), 0, po + i0 * E, 1, i1 - i0] }))
    runJobs(mc, jobs)
    return h.finish(po, out.dtype, n, resident)
  }
}

/** Elements below which a reduction over the last axis runs the reference kernel (measured break-even: 512–1024). */
const MIN_ROW_ELEMENTS = 1 << 10
/** A cache line: each thread's running sums or extremes start on one of their own, so no line is written by two threads. */
const LINE = 64

/**
 * Reductions over one block of contiguous axes, `[outer, R, inner]`: over a
 * middle axis (`inner > 1`) split over threads by blocks of `outer`; over the
 * last axis (`inner = 1`) by ranges of rows. Never over R, so each output is
 * one sum in order on one thread, whatever the thread count. Not by ranges of
 * columns either: threads reading a share of every row (sum over axis 0 of
 * [4096, 1024] to [8192, 1024]) measured from 1.4× faster to 3× slower than
 * one thread reading whole rows. Other axes use the reference.
 */
const reduction = <P extends 'sum' | 'max' | 'min'>(op: WasmReduce): Prepare<P> => (mc, ins, params, out) => {
  const [x] = ins as unknown as [Aval]
  const { axes } = params
  const t = lanesOf(x)
  const size = sizeOf(x.shape)
  if (t === undefined || out.dtype !== x.dtype || axes.length === 0 || size < MIN_ELEMENTS) return undefined
  const first = axes[0]!
  const last = axes[axes.length - 1]!
  if (last - first + 1 !== axes.length) return undefined
  const outer = sizeOf(x.shape.slice(0, first))
  const R = sizeOf(x.shape.slice(first, last + 1))
  const inner = sizeOf(x.shape.slice(last + 1))
  // Below ~1024 elements a last-axis reduction measured faster on the reference (the dispatch costs more than the loop).
  if (R === 0 || (inner === 1 && size < MIN_ROW_ELEMENTS)) return undefined
  const E = bytesOf(x.dtype)
  const n = outer * inner
  if (inner === 1) {
    const fn = mc.index.get(reduceName(op, t, 'rows'))!
    return (xs) => {
      const h = mc.heap
      const block = h.begin(xs, n * E)
      const [px] = block.inputs as [number]
      const po = block.take(n * E)
      const parts = size >= mc.parElements ? mc.threads : 1
      runJobs(mc, ranges(outer, parts, ROW_BLOCK).map(([p0, p1]) => ({ fn, args: [px + p0 * R * E, po + p0 * E, p1 - p0, R] })))
      return h.finish(po, out.dtype, n, resident)
    }
  }
  const fn = mc.index.get(reduceName(op, t, 'cols'))!
  const accBytes = (w: number): number => (op === 'sum' ? 8 : E) * w
  return (xs) => {
    const h = mc.heap
    const parts = size >= mc.parElements ? mc.threads : 1
    const cuts = ranges(outer, parts, 1)
    const block = h.begin(xs, n * E + 16 + cuts.length * (accBytes(inner) + 2 * LINE))
    const [px] = block.inputs as [number]
    const po = block.take(n * E)
    const jobs = cuts.map(([p0, p1]) => ({
      fn,
      args: [px + p0 * R * inner * E, po + p0 * inner * E, (block.take(accBytes(inner) + LINE) + LINE - 1) & -LINE, p1 - p0, R, inner],
    }))
    runJobs(mc, jobs)
    return h.finish(po, out.dtype, n, resident)
  }
}

const matmul: Prepare<'matmul'> = (mc, [a, b], f, out) => {
  const t = lanesOf(a)
  if (t === undefined || a.dtype !== b.dtype || out.dtype !== a.dtype) return undefined
  const { m, k, n, batch } = matmulDims(a.shape, b.shape, f)
  const count = sizeOf(batch)
  // Empty products (k = 0 is all zeros) stay on the reference, which writes its zeros.
  if (count === 0 || m === 0 || n === 0 || k === 0) return undefined
  const E = bytesOf(a.dtype)
  const fn = mc.index.get(t === 'f32' ? 'sgemm' : 'dgemm')!
  const ws = gemmWorkspace(E)
  const sa = batchStride(a.shape, batch)
  const sb = batchStride(b.shape, batch)
  const outBytes = count * m * n * E
  return (xs) => {
    const h = mc.heap
    // An operand whose batch broadcast one stride cannot express is materialised by the reference first.
    const opnd = (x: JsBuffer, shape: Shape, stride: number | undefined): [JsBuffer, number] => {
      if (stride !== undefined) return [x, stride]
      const o = matmulOperand(x.data, shape, batch)
      return [new JsBuffer(o.data), o.stride]
    }
    const [A, strideA] = opnd(xs[0]!, a.shape, sa)
    const [B, strideB] = opnd(xs[1]!, b.shape, sb)
    const parts = m * n * k >= mc.parMacs ? mc.threads : 1
    const block = h.begin([A, B], outBytes + 16 + parts * (ws + 16))
    const [pa, pb] = block.inputs as [number, number]
    const pc = block.take(outBytes)
    const wss = Array.from({ length: parts }, () => block.take(ws))
    for (let i = 0; i < count; i++) {
      const ai = pa + i * strideA * E
      const bi = pb + i * strideB * E
      const ci = pc + i * m * n * E
      const cut = n >= m ? ranges(n, parts, 8).map(([j0, j1]) => [0, m, j0, j1]) : ranges(m, parts, MR).map(([i0, i1]) => [i0, i1, 0, n])
      runJobs(mc, cut.map(([i0, i1, j0, j1], w) => ({ fn, args: [ai, bi, ci, m, k, n, f.ta ? 1 : 0, f.tb ? 1 : 0, i0!, i1!, j0!, j1!, wss[w]!] })))
    }
    return h.finish(pc, out.dtype, count * m * n, resident)
  }
}

/** The batch stride of a matmul operand of `shape` under the broadcast batch `batch`, if one stride expresses it. */
const batchStride = (shape: Shape, batch: Shape): number | undefined => {
  const own = sizeOf(shape.slice(0, -2))
  if (own === sizeOf(batch)) return sizeOf(shape.slice(-2))
  if (own === 1) return 0
  return undefined
}

const f32Bits = (x: number): number => new Int32Array(new Float32Array([x]).buffer)[0]!

const randomBits: Prepare<'randomBits'> = (mc, _, { shape, dist }) => {
  const n = sizeOf(shape)
  if ((dist.kind === 'uniform' || dist.kind === 'normal') && dist.dtype !== 'float32') return undefined
  if (n < MIN_ELEMENTS) return undefined
  const [lo, hi] = dist.kind === 'uniform' || dist.kind === 'normal' ? [dist.minval, dist.maxval] : [0, 1]
  const flo = Math.fround(lo)
  // bernoulli32 takes its threshold fround(p)·2²³ (exact: a power-of-two scaling of a float32 ≤ 1), uniform32 its bounds.
  const extra = dist.kind === 'bits' ? [] : dist.kind === 'bernoulli' ? [f32Bits(Math.fround(dist.p) * 2 ** 23)] : [f32Bits(flo), f32Bits(Math.fround(Math.fround(hi) - flo))]
  const fn = mc.index.get(dist.kind === 'bits' ? 'bits32' : dist.kind === 'bernoulli' ? 'bernoulli32' : 'uniform32')!
  const E = dist.kind === 'bernoulli' ? 1 : 4
  return ([keys]) => {
    const k = keys!.data as Int32Array
    const count = k.length / 2
    const h = mc.heap
    const block = h.begin([], count * n * E)
    const po = block.take(count * n * E)
    const parts = n >= mc.parElements ? mc.threads : 1
    for (let b = 0; b < count; b++) {
      runJobs(mc, ranges(n, parts, 16).map(([i0, i1]) => ({ fn, args: [k[2 * b]!, k[2 * b + 1]!, po + (b * n + i0) * E, i0, i1 - i0, ...extra] })))
    }
    if (dist.kind === 'bernoulli') return h.finish(po, 'bool', count * n, resident)
    if (dist.kind !== 'normal') return h.finish(po, dist.kind === 'bits' ? 'int32' : 'float32', count * n, resident)
    // normal: √2·erfinv(u) by the reference's erfinv, whose Math results a kernel here would not reproduce.
    const got = h.view('float32', po, count * n).slice()
    const sqrt2 = Math.fround(Math.SQRT2)
    for (let i = 0; i < got.length; i++) got[i] = Math.fround(sqrt2 * erfinv32(got[i]!))
    return new JsBuffer(got)
  }
}

const kernels: { readonly [P in Prim]?: Prepare<P> } = {
  add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div'), maximum: binary('maximum'), minimum: binary('minimum'),
  less: binary('lt'), lessEqual: binary('le'), greater: binary('gt'), greaterEqual: binary('ge'), equal: binary('eq'), notEqual: binary('ne'),
  neg: unary('neg'), abs: unary('abs'), sqrt: unary('sqrt'), relu: unary('relu'),
  where,
  sum: reduction('sum'), max: reduction('max'), min: reduction('min'),
  matmul,
  conv: (mc, ins, p, out) => prepareConv(mc, (jobs) => { runJobs(mc, jobs) }, ins, p, out),
  randomBits,
}

const host = (b: Buffer): JsBuffer => {
  if (!(b instanceof JsBuffer)) throw new Error(`grad-ts: a buffer of the ${b.backend} backend reached the wasm backend`)
  return b
}

/** A WebAssembly backend with its own memory and `threads` threads (1 = no workers). @internal */
export interface WasmBackend extends Backend {
  /** The threads kernels are split over (the calling thread included). */
  threads(): number
  /** Sets the thread count: 1 runs no workers; more needs shared memory and worker threads. In a browser this starts the workers. */
  setThreads(n: number): void
  /** Resolves, once the workers of the current count have started (or failed to), with the threads a kernel can run on. */
  threadsReady(): Promise<number>
  /** The most threads this platform allows (1 without shared memory or worker threads). */
  readonly maxThreads: number
  /** Copies between typed arrays and the memory so far. */
  readonly copies: Heap['stats']
  /** Bytes of WebAssembly memory now (it only grows, to the largest working set a kernel has needed). */
  memoryBytes(): number
  /** Kernel calls so far that ran on more than one thread. */
  parallelRuns(): number
  /** For tests: split every kernel above these sizes (elements, multiply-adds) over the threads. */
  splitAbove(elements: number, macs: number): void
}

/** A WebAssembly backend; undefined where WebAssembly SIMD is missing. @internal */
export const createWasmBackend = (): WasmBackend | undefined => {
  if (!hasSimd()) return undefined
  const platform = poolPlatform()
  const shared = platform !== undefined && hasSharedMemory()
  const mc = build(shared)
  const maxThreads = shared ? 64 : 1
  return {
    name: 'wasm',
    maxThreads,
    copies: mc.heap.stats,
    memoryBytes: () => mc.heap.memory.buffer.byteLength,
    parallelRuns: () => mc.parallelRuns,
    threads: () => mc.threads,
    setThreads: (n) => {
      mc.threads = Math.min(n, maxThreads)
      // A Web Worker may not start while its creator blocks, so a browser starts the pool now, to be ready by the time kernels run;
      // Node starts it at the first kernel that splits (its workers start on their own).
      if (platform === 'browser') startPool(mc)
    },
    threadsReady: () => (mc.pool !== undefined && mc.pool.size === mc.threads ? mc.pool.started() : Promise.resolve(mc.threads)),
    splitAbove: (elements, macs) => {
      mc.parElements = elements
      mc.parMacs = macs
    },
    // Large tensors are born in the memory, where kernels read them; small ones stay typed arrays.
    write: (dtype, data) => (data.length >= MIN_ELEMENTS && mc.heap.fits(data.length * 8) ? mc.heap.store(dtype, data, resident) : new JsBuffer(copyOf(dtype, data))),
    read: (buffer) => mc.heap.read(host(buffer)),
    prepare: (prim, inputs, params, out) => {
      const mine = kernels[prim]
      return new WasmKernel(mine?.(mc, inputs, params, out) ?? reference(jsPrepare(prim, inputs, params, out)))
    },
    dispatch: (kernel, inputs) => {
      if (!(kernel instanceof WasmKernel)) throw new Error(`grad-ts: a kernel of the ${kernel.backend} backend reached the wasm backend`)
      return kernel.run(inputs.map(host))
    },
  }
}
