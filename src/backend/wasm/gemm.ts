/**
 * The matmul kernels, emitted as WebAssembly SIMD128: C = A·B over one
 * rectangle of C, for float32 (`f32x4`) and float64 (`f64x2`).
 *
 * Layout (Goto & van de Geijn, "Anatomy of high-performance matrix
 * multiplication", 2008), all of it inside one exported function so that a
 * worker thread can run a rectangle with one call:
 *   for each NC-wide column block of the rectangle (jc)
 *     for each KC-deep slice of k (pc)          pack B[pc, jc] into NR-wide panels
 *       for each MC-tall row block (ic)         pack A[ic, pc] into MR-tall panels
 *         for each NR panel (jr), each MR panel (ir):
 *           micro-kernel: an MR×NR tile of C in eight `v128` accumulators
 * float32: MR×NR = 4×8 (two `f32x4` per row); float64: 4×4 (two `f64x2` per row).
 * Per step of k the micro-kernel loads two vectors of the B panel, splats one
 * element of the A panel per row (`v128.load32_splat` / `load64_splat`) and
 * does eight multiplies and eight adds — no fused multiply-add, so every lane
 * rounds exactly as scalar code would.
 *
 * Summation order: element C[i,j] is `((0 + a₀b₀) + a₁b₁) + …` in the order of
 * k, in the dtype, whatever the tile, the block or the rectangle it falls in
 * (a KC slice resumes from the value stored in C, which is exact). So any
 * split of C into rectangles — one per thread — gives the same bits, and
 * float64 results equal the JavaScript kernel's sequential sums bit for bit.
 * Float32 results differ from the JavaScript kernel, which sums in doubles and
 * rounds once (docs/performance.md states the tolerance).
 *
 * Edge tiles (fewer than MR rows or NR columns left) run the same
 * micro-kernel on zero-padded panels into a small tile in the workspace,
 * whose valid part is then copied to and from C.
 */
import type { FunctionBuilder, Local, ModuleBuilder } from './emit.js'

/** Block sizes shared by both dtypes (elements). */
export const KC = 256
export const MC = 64
export const NC = 512
export const MR = 4
/** Steps of k per iteration of the micro-kernel loop: 1, as unrolling by 2 or 4 measured slower (36 against 53 GFLOP/s at 1024², Node 20: V8 spills the vectors). */
const UNROLL = 1

/** Bytes of workspace one thread needs for a matmul of `bytes`-wide elements: packed A, packed B and an edge tile. @internal */
export const gemmWorkspace = (bytes: number): number => (MC * KC + KC * (NC + 8) + MR * 8) * bytes

interface Flavour {
  readonly name: string
  readonly bytes: 4 | 8
  /** Columns of a micro-tile (two vectors per row). */
  readonly nr: number
  readonly load: (f: FunctionBuilder, offset?: number) => FunctionBuilder
  readonly store: (f: FunctionBuilder, offset?: number) => FunctionBuilder
  readonly splat: (f: FunctionBuilder, offset?: number) => FunctionBuilder
  readonly mul: (f: FunctionBuilder) => FunctionBuilder
  readonly add: (f: FunctionBuilder) => FunctionBuilder
}

const f32: Flavour = {
  name: 'sgemm',
  bytes: 4,
  nr: 8,
  load: (f, o) => f.f32Load(o),
  store: (f, o) => f.f32Store(o),
  splat: (f, o) => f.v128Load32Splat(o),
  mul: (f) => f.f32x4Mul(),
  add: (f) => f.f32x4Add(),
}

const f64: Flavour = {
  name: 'dgemm',
  bytes: 8,
  nr: 4,
  load: (f, o) => f.f64Load(o),
  store: (f, o) => f.f64Store(o),
  splat: (f, o) => f.v128Load64Splat(o),
  mul: (f) => f.f64x2Mul(),
  add: (f) => f.f64x2Add(),
}

/** `min(a, b)` of two i32 values pushed by the callbacks. */
const minI32 = (f: FunctionBuilder, a: () => void, b: () => void): void => {
  a(); b(); a(); b()
  f.i32LtS().select()
}

/**
 * Emits `<name>(a, b, c, m, k, n, ta, tb, i0, i1, j0, j1, ws)`: C[i0:i1, j0:j1] = A·B
 * where A is [m,k] (stored [k,m] when `ta`), B is [k,n] (stored [n,k] when
 * `tb`), C is [m,n] row-major, pointers are byte addresses and `ws` is a
 * workspace of `gemmWorkspace(bytes)` bytes owned by the calling thread.
 */
const emitGemm = (mb: ModuleBuilder, fl: Flavour): void => {
  const f = mb.fn(fl.name, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
  const [a, b, c, m, k, n, ta, tb, i0, i1, j0, j1, ws] = f.params as readonly Local<'i32'>[] as [
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
  ]
  const E = fl.bytes
  const NR = fl.nr
  const jc = f.local('i32'), nc = f.local('i32'), pc = f.local('i32'), kc = f.local('i32')
  const ic = f.local('i32'), mc = f.local('i32'), jr = f.local('i32'), ir = f.local('i32')
  const p = f.local('i32'), l = f.local('i32'), q = f.local('i32'), src = f.local('i32'), dst = f.local('i32')
  const pa = f.local('i32'), pb = f.local('i32'), cp = f.local('i32'), ldc = f.local('i32')
  const rows = f.local('i32'), cols = f.local('i32'), edge = f.local('i32')
  const wa = f.local('i32'), wb = f.local('i32'), wt = f.local('i32')
  const acc = Array.from({ length: 8 }, () => f.local('v128'))
  const bv0 = f.local('v128'), bv1 = f.local('v128'), av = f.local('v128')

  const c0 = (x: number) => () => { f.i32Const(x) }
  const g = (x: Local) => () => { f.get(x) }
  const lstride = f.local('i32'), kend = f.local('i32')
  const tile4 = Array.from({ length: 4 }, () => f.local('v128')), mix = Array.from({ length: 4 }, () => f.local('v128'))
  /** The byte indices of `i8x16.shuffle` that pick these 32-bit lanes (0–3 of the first vector, 4–7 of the second). */
  const bytesOfLanes = (lanes: readonly number[]): number[] => lanes.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3])
  const shuffle32 = (x: Local<'v128'>, y: Local<'v128'>, lanes: readonly number[], into: Local<'v128'>): void => {
    f.get(x).get(y).i8x16Shuffle(bytesOfLanes(lanes)).set(into)
  }
  const offs = Array.from({ length: Math.max(NR, MR) }, () => f.local('i32'))
  const zeroStore = (): void => {
    if (E === 4) f.f32Const(0).f32Store()
    else f.f64Const(0).f64Store()
  }

  /**
   * Appends one W-wide panel of kc steps at `dst` (advancing it) from `src`, with
   * `cols` valid lanes. 'contiguous': the W lanes of a step are adjacent, steps
   * `lstride` bytes apart; 'strided': a lane's steps are adjacent, lanes
   * `lstride` bytes apart. Full panels copy vectors or unrolled lanes; a partial
   * panel copies element by element and zero-fills the missing lanes.
   */
  const packPanel = (W: number, layout: 'contiguous' | 'strided'): void => {
    f.get(cols).i32Const(W).i32Eq()
    f.if(() => {
      if (layout === 'contiguous') {
        f.forLoop(p, c0(0), g(kc), 1, () => {
          for (let v = 0; v < (W * E) / 16; v++) f.get(dst).get(src).v128Load(v * 16).v128Store(v * 16)
          f.get(src).get(lstride).i32Add().set(src)
          f.get(dst).i32Const(W * E).i32Add().set(dst)
        })
      } else {
        for (let w = 0; w < W; w++) f.get(src).get(lstride).i32Const(w).i32Mul().i32Add().set(offs[w]!)
        const scalarSteps = (from: () => void): void => {
          f.forLoop(p, from, g(kc), 1, () => {
            for (let w = 0; w < W; w++) {
              f.get(dst).get(offs[w]!)
              fl.load(f)
              fl.store(f, w * E)
              f.get(offs[w]!).i32Const(E).i32Add().set(offs[w]!)
            }
            f.get(dst).i32Const(W * E).i32Add().set(dst)
          })
        }
        if (E === 4 && W % 4 === 0) {
          // Four steps at a time: four lanes' next four elements are a 4×4 block, transposed by shuffles
          // into four steps' lanes. A copy, so the packed bits are the scalar loop's.
          f.get(kc).i32Const(-4).i32And().set(kend)
          f.forLoop(p, c0(0), g(kend), 4, () => {
            for (let blk = 0; blk < W / 4; blk++) {
              for (let j = 0; j < 4; j++) f.get(offs[4 * blk + j]!).v128Load().set(tile4[j]!)
              shuffle32(tile4[0]!, tile4[1]!, [0, 4, 1, 5], mix[0]!)
              shuffle32(tile4[2]!, tile4[3]!, [0, 4, 1, 5], mix[1]!)
              shuffle32(tile4[0]!, tile4[1]!, [2, 6, 3, 7], mix[2]!)
              shuffle32(tile4[2]!, tile4[3]!, [2, 6, 3, 7], mix[3]!)
              const steps: readonly [Local<'v128'>, Local<'v128'>, readonly number[]][] = [
                [mix[0]!, mix[1]!, [0, 1, 4, 5]], [mix[0]!, mix[1]!, [2, 3, 6, 7]], [mix[2]!, mix[3]!, [0, 1, 4, 5]], [mix[2]!, mix[3]!, [2, 3, 6, 7]],
              ]
              steps.forEach(([x, y, lanes], j) => {
                f.get(dst)
                f.get(x).get(y).i8x16Shuffle(bytesOfLanes(lanes))
                f.v128Store(j * W * E + blk * 16)
              })
            }
            for (let w = 0; w < W; w++) f.get(offs[w]!).i32Const(4 * E).i32Add().set(offs[w]!)
            f.get(dst).i32Const(4 * W * E).i32Add().set(dst)
          })
          scalarSteps(g(kend))
        } else {
          scalarSteps(c0(0))
        }
      }
    }, () => {
      f.forLoop(p, c0(0), g(kc), 1, () => {
        f.forLoop(l, c0(0), c0(W), 1, () => {
          f.get(l).get(cols).i32LtS()
          f.if(() => {
            f.get(dst).get(src)
            if (layout === 'contiguous') f.get(p).get(lstride).i32Mul().get(l).i32Const(E).i32Mul().i32Add()
            else f.get(l).get(lstride).i32Mul().get(p).i32Const(E).i32Mul().i32Add()
            f.i32Add()
            fl.load(f)
            fl.store(f)
          }, () => {
            f.get(dst)
            zeroStore()
          })
          f.get(dst).i32Const(E).i32Add().set(dst)
        })
      })
    })
  }

  // Workspace: packed A block, packed B block, edge tile.
  f.get(ws).set(wa)
  f.get(ws).i32Const(MC * KC * E).i32Add().set(wb)
  f.get(wb).i32Const(KC * (NC + 8) * E).i32Add().set(wt)

  f.forLoop(jc, g(j0), g(j1), NC, () => {
    minI32(f, c0(NC), () => { f.get(j1).get(jc).i32Sub() })
    f.set(nc)
    f.forLoop(pc, c0(0), g(k), KC, () => {
      minI32(f, c0(KC), () => { f.get(k).get(pc).i32Sub() })
      f.set(kc)
      // ---- pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels (zero beyond nc): panel q holds,
      // for each p, B[pc+p, jc+q … jc+q+NR) contiguously. B[p, j] is at (p·n + j), or (j·k + p) when tb.
      f.get(wb).set(dst)
      f.forLoop(q, c0(0), g(nc), NR, () => {
        minI32(f, c0(NR), () => { f.get(nc).get(q).i32Sub() })
        f.set(cols)
        f.get(tb)
        f.if(() => {
          f.get(b).get(jc).get(q).i32Add().get(k).i32Mul().get(pc).i32Add().i32Const(E).i32Mul().i32Add().set(src)
          f.get(k).i32Const(E).i32Mul().set(lstride)
          packPanel(NR, 'strided')
        }, () => {
          f.get(b).get(pc).get(n).i32Mul().get(jc).i32Add().get(q).i32Add().i32Const(E).i32Mul().i32Add().set(src)
          f.get(n).i32Const(E).i32Mul().set(lstride)
          packPanel(NR, 'contiguous')
        })
      })
      f.forLoop(ic, g(i0), g(i1), MC, () => {
        minI32(f, c0(MC), () => { f.get(i1).get(ic).i32Sub() })
        f.set(mc)
        // ---- pack A[ic:ic+mc, pc:pc+kc] into MR-tall panels (zero beyond mc).
        // A[i, p] is at (i·k + p), or (p·m + i) when ta.
        f.get(wa).set(dst)
        f.forLoop(q, c0(0), g(mc), MR, () => {
          minI32(f, c0(MR), () => { f.get(mc).get(q).i32Sub() })
          f.set(cols)
          f.get(ta)
          f.if(() => {
            f.get(a).get(pc).get(m).i32Mul().get(ic).i32Add().get(q).i32Add().i32Const(E).i32Mul().i32Add().set(src)
            f.get(m).i32Const(E).i32Mul().set(lstride)
            packPanel(MR, 'contiguous')
          }, () => {
            f.get(a).get(ic).get(q).i32Add().get(k).i32Mul().get(pc).i32Add().i32Const(E).i32Mul().i32Add().set(src)
            f.get(k).i32Const(E).i32Mul().set(lstride)
            packPanel(MR, 'strided')
          })
        })
        // ---- micro-kernels over the block
        f.forLoop(jr, c0(0), g(nc), NR, () => {
          f.forLoop(ir, c0(0), g(mc), MR, () => {
            f.get(wa).get(ir).get(kc).i32Mul().i32Const(E).i32Mul().i32Add().set(pa)
            f.get(wb).get(jr).get(kc).i32Mul().i32Const(E).i32Mul().i32Add().set(pb)
            minI32(f, c0(MR), () => { f.get(mc).get(ir).i32Sub() })
            f.set(rows)
            minI32(f, c0(NR), () => { f.get(nc).get(jr).i32Sub() })
            f.set(cols)
            f.get(rows).i32Const(MR).i32Ne().get(cols).i32Const(NR).i32Ne().i32Or().set(edge)
            // C tile address: C[ic+ir, jc+jr]
            f.get(c).get(ic).get(ir).i32Add().get(n).i32Mul().get(jc).i32Add().get(jr).i32Add().i32Const(E).i32Mul().i32Add().set(cp)
            f.get(n).i32Const(E).i32Mul().set(ldc)
            f.get(edge)
            f.if(() => {
              // Copy the valid part of C into the tile (its other elements are never read back).
              f.get(pc)
              f.if(() => {
                f.forLoop(q, c0(0), g(rows), 1, () => {
                  f.forLoop(l, c0(0), g(cols), 1, () => {
                    f.get(wt).get(q).i32Const(NR).i32Mul().get(l).i32Add().i32Const(E).i32Mul().i32Add()
                    f.get(cp).get(q).get(ldc).i32Mul().i32Add().get(l).i32Const(E).i32Mul().i32Add()
                    fl.load(f)
                    fl.store(f)
                  })
                })
              })
              f.get(wt).set(cp)
              f.i32Const(NR * E).set(ldc)
            })
            // Accumulators: zero on the first k slice, else C.
            f.get(pc).i32Eqz()
            f.if(() => {
              for (const v of acc) f.v128Const(new Array(16).fill(0)).set(v)
            }, () => {
              for (let r = 0; r < MR; r++) {
                for (let h = 0; h < 2; h++) {
                  f.get(cp).get(ldc).i32Const(r).i32Mul().i32Add().v128Load(h * 16).set(acc[2 * r + h]!)
                }
              }
            })
            // The k loop: kc steps, each one A column of MR and one B row of NR, UNROLL steps
            // per iteration (addresses as load offsets), then the remaining steps one by one.
            const step = (u: number): void => {
              f.get(pb).v128Load(u * NR * E).set(bv0)
              f.get(pb).v128Load(u * NR * E + 16).set(bv1)
              for (let r = 0; r < MR; r++) {
                f.get(pa)
                fl.splat(f, (u * MR + r) * E)
                f.set(av)
                for (let h = 0; h < 2; h++) {
                  const v = acc[2 * r + h]!
                  f.get(v).get(av).get(h === 0 ? bv0 : bv1)
                  fl.mul(f)
                  fl.add(f)
                  f.set(v)
                }
              }
            }
            f.get(kc).i32Const(-UNROLL).i32And().set(kend)
            f.forLoop(p, c0(0), g(kend), UNROLL, () => {
              for (let u = 0; u < UNROLL; u++) step(u)
              f.get(pa).i32Const(UNROLL * MR * E).i32Add().set(pa)
              f.get(pb).i32Const(UNROLL * NR * E).i32Add().set(pb)
            })
            f.forLoop(p, g(kend), g(kc), 1, () => {
              step(0)
              f.get(pa).i32Const(MR * E).i32Add().set(pa)
              f.get(pb).i32Const(NR * E).i32Add().set(pb)
            })
            for (let r = 0; r < MR; r++) {
              for (let h = 0; h < 2; h++) {
                f.get(cp).get(ldc).i32Const(r).i32Mul().i32Add().get(acc[2 * r + h]!).v128Store(h * 16)
              }
            }
            f.get(edge)
            f.if(() => {
              // Copy the tile's valid part back to C.
              f.get(c).get(ic).get(ir).i32Add().get(n).i32Mul().get(jc).i32Add().get(jr).i32Add().i32Const(E).i32Mul().i32Add().set(cp)
              f.forLoop(q, c0(0), g(rows), 1, () => {
                f.forLoop(l, c0(0), g(cols), 1, () => {
                  f.get(cp).get(q).get(n).i32Mul().i32Const(E).i32Mul().i32Add().get(l).i32Const(E).i32Mul().i32Add()
                  f.get(wt).get(q).i32Const(NR).i32Mul().get(l).i32Add().i32Const(E).i32Mul().i32Add()
                  fl.load(f)
                  fl.store(f)
                })
              })
            })
          })
        })
      })
    })
  })
}

/** Adds `sgemm` and `dgemm` to a module. @internal */
export const emitGemms = (mb: ModuleBuilder): void => {
  emitGemm(mb, f32)
  emitGemm(mb, f64)
}
