/**
 * Float32 convolution on the WebAssembly backend, in the canonical layout
 * (lhs `[N, ...spatial, C]`, rhs `[...window, C/G, O]`, out
 * `[N, ...spatial′, O]`), by one of two direct SIMD kernels:
 *
 * - **direct** (`sconv…`): for each output position and window tap, each
 *   input channel of the group is splat and multiplied into a row of the
 *   filters, the group's output channels in `f32x4` lanes — a register tile
 *   of RP output positions × 4·VO output channels, like the matmul's
 *   micro-kernel but reading the input where it lies (no patch matrix). Any
 *   feature group count: the filters are repacked group by group, each
 *   group's output channels padded with zero filters to whole tiles, and only
 *   the group's own lanes are stored.
 * - **depthwise** (`sdwconv`, one input and one output channel per group):
 *   lanes are channels — for each output position and tap,
 *   `y[c…c+3] += x[c…c+3]·w[tap, c…c+3]`, eight channels at a time, then
 *   four, then one.
 *
 * The direct kernel replaced im2col times the SIMD matmul (the patches
 * `[N·out, window·C]`, built a block of rows at a time, times the filters as
 * a `[window·C, O]` matrix), which it beat or matched on every shape
 * measured — by 1.5–2× on the conv2d bench's forward, input VJP and filter
 * VJP (docs/performance.md has the numbers) — with no patch matrix to build
 * or hold.
 *
 * Work is split over threads by output positions, never over a sum, so each
 * thread count gives the same bits. Each output element is one float32 sum
 * over the window taps (row-major) and the group's channels in order —
 * rounded at every step, where the reference kernel sums in doubles and
 * rounds once — so results agree with the reference within the float32 matmul
 * bound, (K + 1)·2⁻²⁴·Σ|xᵢwᵢ| for K = window·C/G terms. Padding and the holes
 * of lhs dilation enter as explicit zeros (as in XLA): filters with a
 * non-finite value run on the reference, which skips padding, so 0·∞ never
 * turns into a NaN the reference would not give. Float64 convolutions run
 * the reference.
 */
import type { Aval } from '../../core/aval.js'
import { sizeOf } from '../../core/shape.js'
import { type Args, type ParamsOf, convDims } from '../../ad/primitives.js'
import { JsBuffer, jsPrepare } from '../js/index.js'
import type { Residence } from '../js/index.js'
import { stridesOf, windowRows } from '../js/conv.js'
import type { FunctionBuilder, Local, ModuleBuilder } from './emit.js'
import type { Heap } from './heap.js'
import type { Job } from './pool.js'

/** What a convolution needs of the backend's machine: its memory, its kernels' indices and how far to split. @internal */
export interface ConvMachine {
  readonly heap: Heap
  readonly index: ReadonlyMap<string, number>
  readonly threads: number
  readonly parMacs: number
}

/** A prepared convolution: buffers in, a buffer out. @internal */
export type ConvRun = (xs: readonly JsBuffer[]) => JsBuffer

/**
 * The direct kernel's register tiles, [output positions, `f32x4` vectors of
 * output channels]; `directTile` picks one per group width.
 */
const TILES: readonly (readonly [number, number])[] = [[4, 1], [4, 2], [2, 4]]
/** Filter floats per block of taps of the direct kernel (128 KiB): a block's filters for one tile of lanes stay in the L2 cache. */
const FILTER_BLOCK = 1 << 15
/** Output positions per register tile of the depthwise kernel. */
const DW_RP = 4
/** Multiply-adds below which a convolution stays on the reference kernel. */
const CONV_MACS = 1 << 16

const i32s = (f: FunctionBuilder): Local<'i32'>[] => f.params as readonly Local<'i32'>[] as Local<'i32'>[]

/**
 * Per output position of a tile, the set-up both direct kernels share: the
 * position `min(r + i, r1 − 1)` (a tile running past the range repeats the
 * last position, computing and storing its same value again), its batch
 * index and position within the image, the start of its row of the tap table
 * and its image's base address.
 */
const tilePositions = (
  f: FunctionBuilder, rp: number, r: Local<'i32'>, r1: Local<'i32'>, nOut: Local<'i32'>, nWin: Local<'i32'>, xBatchBytes: Local<'i32'>,
  x: Local<'i32'>, tab: Local<'i32'>,
  pos: readonly Local<'i32'>[], tq: readonly Local<'i32'>[], xb: readonly Local<'i32'>[], b: Local<'i32'>,
): void => {
  for (let i = 0; i < rp; i++) {
    f.get(r).i32Const(i).i32Add().get(r1).i32Const(1).i32Sub().get(r).i32Const(i).i32Add().get(r1).i32LtS().select().set(pos[i]!)
    f.get(pos[i]!).get(nOut).i32DivS().set(b)
    f.get(tab).get(pos[i]!).get(b).get(nOut).i32Mul().i32Sub().get(nWin).i32Mul().i32Const(4).i32Mul().i32Add().set(tq[i]!)
    f.get(x).get(b).get(xBatchBytes).i32Mul().i32Add().set(xb[i]!)
  }
}

/**
 * Emits `sconv(x, w, y, tab, zero, r0, r1, nOut, nWin, xBatch, cg, G, og, ogp, O, kb)`:
 * output positions [r0, r1) (of N·nOut, row-major) of a convolution whose
 * filters are packed `[G, nWin, cg, ogp]` (a group's output channels padded
 * with zeros to `ogp`, a multiple of 4·VO). `tab[q·nWin + t]` is the element
 * offset of tap t of position q within an image, or −1 for padding (read from
 * `zero`, ≥ C zeros). Sizes are in elements, addresses in bytes.
 *
 * The taps go in blocks of `kb`, each block over all the positions, so that
 * the block's filters (kb·cg·4·VO floats) stay in cache while every position
 * reads them: a block resumes each sum from the float32 value the previous
 * block stored, which is exact, so the summation order is the unblocked one.
 */
const emitDirect = (mb: ModuleBuilder, RP: number, VO: number): void => {
  const f = mb.fn(directName(RP, VO), new Array<'i32'>(16).fill('i32'))
  const [x, w, y, tab, zero, r0, r1, nOut, nWin, xBatch, cg, G, og, ogp, O, kb] = i32s(f) as [
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
  ]
  const g = f.local('i32'), j0 = f.local('i32'), r = f.local('i32'), kk = f.local('i32'), ci = f.local('i32'), b = f.local('i32')
  const wp = f.local('i32'), t = f.local('i32'), jj = f.local('i32'), xbb = f.local('i32'), wg = f.local('i32'), ogpB = f.local('i32')
  const k0 = f.local('i32'), kend = f.local('i32')
  const pos = Array.from({ length: RP }, () => f.local('i32'))
  const tq = Array.from({ length: RP }, () => f.local('i32'))
  const xb = Array.from({ length: RP }, () => f.local('i32'))
  const a = Array.from({ length: RP }, () => f.local('i32'))
  const yo = Array.from({ length: RP }, () => f.local('i32'))
  const acc = Array.from({ length: RP * VO }, () => f.local('v128'))
  const wv = Array.from({ length: VO }, () => f.local('v128'))
  const s = f.local('v128')
  const c0 = (n: number) => () => { f.i32Const(n) }
  const get = (l: Local) => () => { f.get(l) }

  f.get(xBatch).i32Const(4).i32Mul().set(xbb)
  f.get(ogp).i32Const(4).i32Mul().set(ogpB)
  f.forLoop(g, c0(0), get(G), 1, () => {
    // The group's filters: w + g·nWin·cg·ogp elements.
    f.get(w).get(g).get(nWin).i32Mul().get(cg).i32Mul().get(ogp).i32Mul().i32Const(4).i32Mul().i32Add().set(wg)
    f.forLoop(j0, c0(0), get(ogp), 4 * VO, () => {
      // for (k0 = 0; k0 < nWin; k0 += kb): a block of taps [k0, kend).
      f.i32Const(0).set(k0)
      f.block(() => {
        f.loop(() => {
          f.get(k0).get(nWin).i32GeS().brIf(1)
          f.get(k0).get(kb).i32Add().get(nWin).get(k0).get(kb).i32Add().get(nWin).i32LtS().select().set(kend)
          f.forLoop(r, get(r0), get(r1), RP, () => {
            tilePositions(f, RP, r, r1, nOut, nWin, xbb, x, tab, pos, tq, xb, b)
            for (let i = 0; i < RP; i++) {
              // The group's first channel within each image, the block's first tap, and the output: y[pos, g·og + j0 + …].
              f.get(xb[i]!).get(g).get(cg).i32Mul().i32Const(4).i32Mul().i32Add().set(xb[i]!)
              f.get(tq[i]!).get(k0).i32Const(4).i32Mul().i32Add().set(tq[i]!)
              f.get(y).get(pos[i]!).get(O).i32Mul().get(g).get(og).i32Mul().i32Add().get(j0).i32Add().i32Const(4).i32Mul().i32Add().set(yo[i]!)
            }
            // Zeros for the first block; else the sums so far (lanes past the group's channels are never stored).
            f.get(k0).i32Eqz()
            f.if(() => {
              for (const v of acc) f.v128Const(new Array<number>(16).fill(0)).set(v)
            }, () => {
              for (let i = 0; i < RP; i++) for (let v = 0; v < VO; v++) f.get(yo[i]!).v128Load(16 * v).set(acc[i * VO + v]!)
            })
            f.get(wg).get(k0).get(cg).i32Mul().get(ogp).i32Mul().get(j0).i32Add().i32Const(4).i32Mul().i32Add().set(wp)
            f.forLoop(kk, get(k0), get(kend), 1, () => {
              for (let i = 0; i < RP; i++) {
                f.get(tq[i]!).i32Load().set(t)
                f.get(zero).get(xb[i]!).get(t).i32Const(4).i32Mul().i32Add().get(t).i32Const(0).i32LtS().select().set(a[i]!)
                f.get(tq[i]!).i32Const(4).i32Add().set(tq[i]!)
              }
              f.forLoop(ci, c0(0), get(cg), 1, () => {
                for (let v = 0; v < VO; v++) f.get(wp).v128Load(16 * v).set(wv[v]!)
                for (let i = 0; i < RP; i++) {
                  f.get(a[i]!).v128Load32Splat().set(s)
                  f.get(a[i]!).i32Const(4).i32Add().set(a[i]!)
                  for (let v = 0; v < VO; v++) {
                    const av = acc[i * VO + v]!
                    f.get(av).get(s).get(wv[v]!).f32x4Mul().f32x4Add().set(av)
                  }
                }
                f.get(wp).get(ogpB).i32Add().set(wp)
              })
            })
            // Store the lanes that are the group's output channels.
            for (let v = 0; v < VO; v++) {
              // jj: the group's channels left from this vector on.
              f.get(og).get(j0).i32Sub().i32Const(4 * v).i32Sub().set(jj)
              f.get(jj).i32Const(4).i32GeS()
              f.if(() => {
                for (let i = 0; i < RP; i++) f.get(yo[i]!).get(acc[i * VO + v]!).v128Store(16 * v)
              }, () => {
                for (let l = 0; l < 3; l++) {
                  f.get(jj).i32Const(l).i32GtS()
                  f.if(() => {
                    for (let i = 0; i < RP; i++) f.get(yo[i]!).get(acc[i * VO + v]!).f32x4ExtractLane(l).f32Store(16 * v + 4 * l)
                  })
                }
              })
            }
          })
          f.get(kend).set(k0)
          f.br(0)
        })
      })
    })
  })
}

/**
 * Emits `sdwconv(x, w, y, tab, zero, r0, r1, nOut, nWin, xBatch, C)`: output
 * positions [r0, r1) of a depthwise convolution (G = C, one output channel
 * per group), filters `[nWin, C]`, the tap table as `sconv`'s. Channels are
 * lanes: eight at a time, then four, then one by one.
 */
const emitDepthwise = (mb: ModuleBuilder): void => {
  const f = mb.fn('sdwconv', new Array<'i32'>(11).fill('i32'))
  const [x, w, y, tab, zero, r0, r1, nOut, nWin, xBatch, C] = i32s(f) as [
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
  ]
  const r = f.local('i32'), kk = f.local('i32'), c = f.local('i32'), b = f.local('i32'), t = f.local('i32'), wp = f.local('i32')
  const xbb = f.local('i32'), cB = f.local('i32'), c8 = f.local('i32'), c4 = f.local('i32')
  const pos = Array.from({ length: DW_RP }, () => f.local('i32'))
  const tq = Array.from({ length: DW_RP }, () => f.local('i32'))
  const tq0 = Array.from({ length: DW_RP }, () => f.local('i32'))
  const xb = Array.from({ length: DW_RP }, () => f.local('i32'))
  const a = Array.from({ length: DW_RP }, () => f.local('i32'))
  const acc = Array.from({ length: DW_RP * 2 }, () => f.local('v128'))
  const wv = Array.from({ length: 2 }, () => f.local('v128'))
  const sacc = Array.from({ length: DW_RP }, () => f.local('f32'))
  const sw = f.local('f32')
  const c0 = (n: number) => () => { f.i32Const(n) }
  const get = (l: Local) => () => { f.get(l) }

  f.get(xBatch).i32Const(4).i32Mul().set(xbb)
  f.get(C).i32Const(4).i32Mul().set(cB)
  f.get(C).i32Const(-8).i32And().set(c8)
  f.get(C).i32Const(-4).i32And().set(c4)
  /** For each tap: each position's address of channel c (or of the zeros), pushed into `a`. */
  const taps = (body: () => void): void => {
    for (let i = 0; i < DW_RP; i++) f.get(tq0[i]!).set(tq[i]!)
    f.get(w).get(c).i32Const(4).i32Mul().i32Add().set(wp)
    f.forLoop(kk, c0(0), get(nWin), 1, () => {
      for (let i = 0; i < DW_RP; i++) {
        f.get(tq[i]!).i32Load().set(t)
        f.get(zero).get(xb[i]!).get(t).i32Const(4).i32Mul().i32Add().get(t).i32Const(0).i32LtS().select().get(c).i32Const(4).i32Mul().i32Add().set(a[i]!)
        f.get(tq[i]!).i32Const(4).i32Add().set(tq[i]!)
      }
      body()
      f.get(wp).get(cB).i32Add().set(wp)
    })
  }
  /** Lanes of `vs` vectors (8 or 4 channels) from channel c on. */
  const vectors = (vs: number, end: Local<'i32'>): void => {
    f.forLoop(c, get(c), get(end), 4 * vs, () => {
      for (let k = 0; k < DW_RP * vs; k++) f.v128Const(new Array<number>(16).fill(0)).set(acc[k]!)
      taps(() => {
        for (let v = 0; v < vs; v++) f.get(wp).v128Load(16 * v).set(wv[v]!)
        for (let i = 0; i < DW_RP; i++) {
          for (let v = 0; v < vs; v++) {
            const av = acc[i * vs + v]!
            f.get(av).get(a[i]!).v128Load(16 * v).get(wv[v]!).f32x4Mul().f32x4Add().set(av)
          }
        }
      })
      for (let i = 0; i < DW_RP; i++) {
        for (let v = 0; v < vs; v++) f.get(y).get(pos[i]!).get(cB).i32Mul().i32Add().get(c).i32Const(4).i32Mul().i32Add().get(acc[i * vs + v]!).v128Store(16 * v)
      }
    })
    // forLoop leaves c at the first channel it did not do (≥ end, and < end + 4·vs): put it back at end.
    f.get(end).set(c)
  }

  f.forLoop(r, get(r0), get(r1), DW_RP, () => {
    tilePositions(f, DW_RP, r, r1, nOut, nWin, xbb, x, tab, pos, tq0, xb, b)
    f.i32Const(0).set(c)
    vectors(2, c8)
    vectors(1, c4)
    f.forLoop(c, get(c4), get(C), 1, () => {
      for (let i = 0; i < DW_RP; i++) f.f32Const(0).set(sacc[i]!)
      taps(() => {
        f.get(wp).f32Load().set(sw)
        for (let i = 0; i < DW_RP; i++) f.get(sacc[i]!).get(a[i]!).f32Load().get(sw).f32Mul().f32Add().set(sacc[i]!)
      })
      for (let i = 0; i < DW_RP; i++) f.get(y).get(pos[i]!).get(cB).i32Mul().i32Add().get(c).i32Const(4).i32Mul().i32Add().get(sacc[i]!).f32Store()
    })
  })
}

/** Adds the convolution kernels (`sconv`, `sdwconv`) to a module. @internal */
export const emitConvs = (mb: ModuleBuilder): void => {
  for (const [rp, vo] of TILES) emitDirect(mb, rp, vo)
  emitDepthwise(mb)
}

/**
 * The direct kernel's tile for groups of `og` output channels: the narrowest
 * of 4, 8 and 16 lanes that holds them (4 × 4, 4 × 8, else 2 × 16 positions ×
 * channels), so a narrow group pads the fewest lanes with zero filters. On
 * the conv2d bench's forward and input VJP the 2 × 16 tile measured fastest
 * of those tried (4 × 8, 3 × 8, 2 × 8, 2 × 12, 1 × 16, 1 × 24; tiles of 9 or
 * more accumulators — 3 × 12, 4 × 12, 6 × 8 — ran at less than half the
 * speed: V8 spills their vectors), and unrolling the channel loop by 4 slowed
 * every tile. @internal
 */
export const directTile = (og: number): readonly [number, number] => (og <= 4 ? TILES[0]! : og <= 8 ? TILES[1]! : TILES[2]!)

const directName = (rp: number, vo: number): string => `sconv${rp}x${vo}`

/** `[0, n)` cut into at most `parts` ranges whose starts are multiples of `quantum`. */
const ranges = (n: number, parts: number, quantum: number): [number, number][] => {
  const step = Math.ceil(n / parts / quantum) * quantum
  const out: [number, number][] = []
  for (let s = 0; s < n; s += step) out.push([s, Math.min(n, s + step)])
  return out
}

const resident = (r: Residence): JsBuffer => new JsBuffer(undefined, r)

/**
 * The tap table of the direct kernels: entry `q·nWin + t` is the element
 * offset within an image of the input that output position q reads at window
 * tap t (row-major), or −1 where that is padding or a hole of lhs dilation.
 */
const tapTable = (d: ReturnType<typeof convDims>, rows: readonly Int32Array[], xStride: readonly number[]): Int32Array => {
  const nsp = d.spatial.length
  const nOut = sizeOf(d.out)
  const nWin = sizeOf(d.window)
  const tab = new Int32Array(nOut * nWin)
  const at = new Int32Array(nsp)
  for (let q = 0; q < nOut; q++) {
    let rest = q
    for (let ax = nsp - 1; ax >= 0; ax--) {
      at[ax] = rest % d.out[ax]!
      rest = Math.floor(rest / d.out[ax]!)
    }
    for (let kk = 0; kk < nWin; kk++) {
      let k = kk
      let off = 0
      for (let ax = nsp - 1; ax >= 0 && off >= 0; ax--) {
        const W = d.window[ax]!
        const i = rows[ax]![at[ax]! * W + (k % W)]!
        k = Math.floor(k / W)
        off = i < 0 ? -1 : off + i * xStride[ax]!
      }
      tab[q * nWin + kk] = off
    }
  }
  return tab
}

const hasNonFinite = (a: Float32Array): boolean => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return true
  return false
}

/** The float32 convolution kernel, or undefined for the reference (other dtypes, tiny or empty products). @internal */
export const prepareConv = (mc: ConvMachine, run: (jobs: readonly Job[]) => void, [a, b]: Args<'conv', Aval>, p: ParamsOf['conv'], out: Aval): ConvRun | undefined => {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || out.dtype !== 'float32') return undefined
  const d = convDims(a.shape, b.shape, p)
  const nOut = sizeOf(d.out)
  const nWin = sizeOf(d.window)
  const M = d.n * nOut
  if (M === 0 || d.o === 0 || nWin * d.cg === 0 || M * d.o * nWin * d.cg < CONV_MACS) return undefined
  const rows = windowRows(d.spatial, d.out, d.window, p)
  const xStride = stridesOf(d.spatial, d.c)
  const reference = jsPrepare('conv', [a, b], p, out)
  const fallback: ConvRun = (xs) => new JsBuffer(reference(xs.map((x) => x.data)))
  const depthwise = d.cg === 1 && d.o === d.groups
  const tab = tapTable(d, rows, xStride)
  const xBatch = sizeOf(d.spatial) * d.c
  const og = d.o / d.groups
  const [rp, vo] = directTile(og)
  const ogp = Math.ceil(og / (4 * vo)) * 4 * vo
  const packed = !depthwise && (d.groups > 1 || ogp !== og)
  const filterBytes = packed ? d.groups * nWin * d.cg * ogp * 4 : 0
  const quantum = depthwise ? DW_RP : rp
  const fn = mc.index.get(depthwise ? 'sdwconv' : directName(rp, vo))!
  const macs = M * d.o * nWin * d.cg
  const kb = Math.max(1, Math.floor(FILTER_BLOCK / (d.cg * 4 * vo)))
  return (xs) => {
    const [X, Wt] = xs as [JsBuffer, JsBuffer]
    const h = mc.heap
    const bk = h.begin([X, Wt], M * d.o * 4 + filterBytes + tab.byteLength + d.c * 4 + 64)
    const [px, pw] = bk.inputs as [number, number]
    const py = bk.take(M * d.o * 4)
    const pf = packed ? bk.take(filterBytes) : pw
    const pt = bk.take(tab.byteLength)
    const pz = bk.take(d.c * 4)
    const mem = h.view('float32', 0, h.memory.buffer.byteLength >> 2) as Float32Array
    const filters = mem.subarray(pw >> 2, (pw >> 2) + nWin * d.cg * d.o)
    if (hasNonFinite(filters)) return fallback(xs)
    new Int32Array(mem.buffer, pt, tab.length).set(tab)
    mem.fill(0, pz >> 2, (pz >> 2) + d.c)
    if (packed) {
      // [nWin·cg, G·og] → [G, nWin·cg, ogp], zeros in the padding lanes.
      const f0 = pf >> 2
      mem.fill(0, f0, f0 + filterBytes / 4)
      const K = nWin * d.cg
      for (let g = 0; g < d.groups; g++) {
        for (let k = 0; k < K; k++) {
          const src = (pw >> 2) + k * d.o + g * og
          mem.copyWithin(f0 + (g * K + k) * ogp, src, src + og)
        }
      }
    }
    const parts = macs >= mc.parMacs ? mc.threads : 1
    const jobs: Job[] = ranges(M, Math.min(parts, Math.ceil(M / quantum)), quantum).map(([r0, r1]) => ({
      fn,
      args: depthwise
        ? [px, pw, py, pt, pz, r0, r1, nOut, nWin, xBatch, d.c]
        : [px, pf, py, pt, pz, r0, r1, nOut, nWin, xBatch, d.cg, d.groups, og, ogp, d.o, kb],
    }))
    run(jobs)
    return h.finish(py, 'float32', M * d.o, resident)
  }
}
