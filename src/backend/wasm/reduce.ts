/**
 * Reductions of a block `[outer, R, inner] → [outer, inner]`, in the
 * reference's order and arithmetic (`../js/reduce.ts`), so both backends give
 * the same bits:
 *
 * - sum: each output accumulates in double precision, rows in order, and is
 *   rounded once to the dtype (float32 lanes are promoted to `f64x2`);
 * - max/min: rows in order, `m = v > m || v ≠ v ? v : m` (NaN sticks, and of
 *   ±0 the first seen stays), from −∞/+∞.
 *
 * Two shapes of kernel, each vectorised so that a lane is one output summing
 * its own elements in order — no output's order ever changes:
 *
 * - `<op>_<t>_cols(x, out, acc, outer, R, inner)`, `inner > 1` (a column
 *   sum such as a bias gradient, the column max of max-norm): lanes are
 *   neighbouring columns; the running sums (`8·inner` bytes) or extremes
 *   (`E·inner` bytes) live in a workspace at `acc` (a thread's own), and each
 *   output row is written once;
 * - `<op>_<t>_rows(x, out, outer, R)`, `inner = 1` (softmax and logSumExp
 *   rows, a mean over features): lanes are neighbouring rows. A block of
 *   rows is read a vector per row and transposed in registers (`i8x16`
 *   shuffles), so each lane takes its row's elements in order; the rows left
 *   over run one at a time.
 */
import type { FunctionBuilder, Local, ModuleBuilder } from './emit.js'
import type { Lanes } from './elementwise.js'

/** Reductions with a kernel here. @internal */
export type WasmReduce = 'sum' | 'max' | 'min'

/** The export name of a reduction kernel: over a middle axis (`cols`) or the last one (`rows`). @internal */
export const reduceName = (op: WasmReduce, t: Lanes, along: 'cols' | 'rows'): string => `${op}_${t}_${along}`

/** Pairs of rows a `sum_*_rows` kernel sums at once, one `f64x2` accumulator each: 8 rows measured ≈ 1.8× faster than 2 rows, and 12 no faster. */
const SUM_PAIRS = 4
/** Vectors of rows a `max/min_*_rows` kernel reduces at once, one running extreme each (16 float32 rows, 8 float64 rows; fewer measured up to 1.6× slower). */
const EXTREME_GROUPS = { f32: 4, f64: 4 } as const
/** The most rows a `rows` kernel takes at once: threads get multiples of it. @internal */
export const ROW_BLOCK = 16

type P6 = [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]
type P4 = [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]

/** Byte lanes of `i8x16.shuffle` taking 32-bit lanes `ls` of the two operands (0–3 the first, 4–7 the second). */
const lanes32 = (...ls: number[]): number[] => ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])
/** The two halves of a vector swapped: its high 64 bits move to the low lane. */
const SWAP = lanes32(2, 3, 0, 1)

const emitSumCols = (mb: ModuleBuilder, t: Lanes): void => {
  const f = mb.fn(reduceName('sum', t, 'cols'), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
  const [px, po, acc, outer, R, inner] = f.params as readonly Local<'i32'>[] as P6
  const E = t === 'f32' ? 4 : 8
  const p = f.local('i32'), r = f.local('i32'), i = f.local('i32'), end = f.local('i32'), row = f.local('i32'), a = f.local('i32')
  const v = f.local('v128')
  // Whole vectors of the input: 4 float32 (two f64x2 halves) or 2 float64.
  f.get(inner).i32Const(t === 'f32' ? -4 : -2).i32And().set(end)
  f.forLoop(p, () => f.i32Const(0), () => f.get(outer), 1, () => {
    f.forLoop(i, () => f.i32Const(0), () => f.get(inner), 1, () => {
      f.get(acc).get(i).i32Const(8).i32Mul().i32Add().f64Const(0).f64Store()
    })
    f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
      // row = x + ((p·R + r)·inner)·E
      f.get(px).get(p).get(R).i32Mul().get(r).i32Add().get(inner).i32Mul().i32Const(E).i32Mul().i32Add().set(row)
      f.forLoop(i, () => f.i32Const(0), () => f.get(end), t === 'f32' ? 4 : 2, () => {
        f.get(row).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(v)
        f.get(acc).get(i).i32Const(8).i32Mul().i32Add().set(a)
        if (t === 'f32') {
          f.get(a).get(a).v128Load().get(v).f64x2PromoteLowF32x4().f64x2Add().v128Store()
          f.get(a).get(a).v128Load(16).get(v).get(v).i8x16Shuffle(SWAP).f64x2PromoteLowF32x4().f64x2Add().v128Store(16)
        } else {
          f.get(a).get(a).v128Load().get(v).f64x2Add().v128Store()
        }
      })
      f.forLoop(i, () => f.get(end), () => f.get(inner), 1, () => {
        f.get(acc).get(i).i32Const(8).i32Mul().i32Add().set(a)
        f.get(a).get(a).f64Load()
        f.get(row).get(i).i32Const(E).i32Mul().i32Add()
        if (t === 'f32') f.f32Load().f64PromoteF32()
        else f.f64Load()
        f.f64Add().f64Store()
      })
    })
    f.forLoop(i, () => f.i32Const(0), () => f.get(inner), 1, () => {
      f.get(po).get(p).get(inner).i32Mul().get(i).i32Add().i32Const(E).i32Mul().i32Add()
      f.get(acc).get(i).i32Const(8).i32Mul().i32Add().f64Load()
      if (t === 'f32') f.f32DemoteF64().f32Store()
      else f.f64Store()
    })
  })
}

/** `m = v ⋛ m || v ≠ v ? v : m` on two vectors in locals, the result on the stack. */
const better = (g: FunctionBuilder, op: 'max' | 'min', t: Lanes, v: Local<'v128'>, m: Local<'v128'>): void => {
  g.get(v).get(m)
  g.get(v).get(m)
  if (t === 'f32') (op === 'max' ? g.f32x4Gt() : g.f32x4Lt()).get(v).get(v).f32x4Ne()
  else (op === 'max' ? g.f64x2Gt() : g.f64x2Lt()).get(v).get(v).f64x2Ne()
  g.v128Or().v128Bitselect()
}

const splatLoad = (f: FunctionBuilder, t: Lanes): void => {
  if (t === 'f32') f.v128Load32Splat()
  else f.v128Load64Splat()
}

const extract0 = (f: FunctionBuilder, t: Lanes): void => {
  if (t === 'f32') f.f32x4ExtractLane(0)
  else f.f64x2ExtractLane(0)
}

const store = (f: FunctionBuilder, t: Lanes): void => {
  if (t === 'f32') f.f32Store()
  else f.f64Store()
}

const emitExtremeCols = (mb: ModuleBuilder, op: 'max' | 'min', t: Lanes): void => {
  const f = mb.fn(reduceName(op, t, 'cols'), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
  const [px, po, acc, outer, R, inner] = f.params as readonly Local<'i32'>[] as P6
  const E = t === 'f32' ? 4 : 8
  const lanes = 16 / E
  const p = f.local('i32'), r = f.local('i32'), i = f.local('i32'), end = f.local('i32'), row = f.local('i32'), a = f.local('i32')
  const v = f.local('v128'), m = f.local('v128')
  const start = op === 'max' ? -Infinity : Infinity
  f.get(inner).i32Const(-lanes).i32And().set(end)
  f.forLoop(p, () => f.i32Const(0), () => f.get(outer), 1, () => {
    // the running extremes start at ∓∞, then each input row in order updates them
    f.forLoop(i, () => f.i32Const(0), () => f.get(inner), 1, () => {
      f.get(acc).get(i).i32Const(E).i32Mul().i32Add()
      if (t === 'f32') f.f32Const(start).f32Store()
      else f.f64Const(start).f64Store()
    })
    f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
      f.get(px).get(p).get(R).i32Mul().get(r).i32Add().get(inner).i32Mul().i32Const(E).i32Mul().i32Add().set(row)
      f.forLoop(i, () => f.i32Const(0), () => f.get(end), lanes, () => {
        f.get(row).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(v)
        f.get(acc).get(i).i32Const(E).i32Mul().i32Add().tee(a).v128Load().set(m)
        f.get(a)
        better(f, op, t, v, m)
        f.v128Store()
      })
      // the tail through lane 0 of splats: the same comparisons
      f.forLoop(i, () => f.get(end), () => f.get(inner), 1, () => {
        f.get(row).get(i).i32Const(E).i32Mul().i32Add().pipe((g) => { splatLoad(g, t) }).set(v)
        f.get(acc).get(i).i32Const(E).i32Mul().i32Add().tee(a).pipe((g) => { splatLoad(g, t) }).set(m)
        f.get(a)
        better(f, op, t, v, m)
        extract0(f, t)
        store(f, t)
      })
    })
    f.forLoop(i, () => f.i32Const(0), () => f.get(inner), 1, () => {
      f.get(po).get(p).get(inner).i32Mul().get(i).i32Add().i32Const(E).i32Mul().i32Add()
      f.get(acc).get(i).i32Const(E).i32Mul().i32Add()
      if (t === 'f32') f.f32Load().f32Store()
      else f.f64Load().f64Store()
    })
  })
}

/**
 * Sums of `[outer, R]` rows, `2·pairs` rows at a time (then pairs of rows,
 * then one row), a pair of rows `(a, b)` in each `f64x2` accumulator.
 * float32: four columns of two rows interleave (`[a₀ b₀ a₁ b₁]`,
 * `[a₂ b₂ a₃ b₃]`), whose halves promote to the pairs `[aᵣ bᵣ]` in order of
 * r; float64: two columns interleave to `[a₀ b₀]`, `[a₁ b₁]`. A row's sum is
 * `((0 + x₀) + x₁) + …` in doubles, the reference's.
 */
const emitSumRows = (mb: ModuleBuilder, t: Lanes, pairs: number): void => {
  const f = mb.fn(reduceName('sum', t, 'rows'), ['i32', 'i32', 'i32', 'i32'])
  const [px, po, outer, R] = f.params as readonly Local<'i32'>[] as P4
  const E = t === 'f32' ? 4 : 8
  const step = 16 / E
  const p = f.local('i32'), r = f.local('i32'), blocks = f.local('i32'), end = f.local('i32'), rowBytes = f.local('i32'), o = f.local('i32')
  const a = Array.from({ length: 2 * pairs }, () => f.local('i32'))
  const v = Array.from({ length: 2 * pairs }, () => f.local('v128'))
  const acc = Array.from({ length: pairs }, () => f.local('v128'))
  const u = f.local('v128')
  const s = f.local('f64')
  f.get(R).i32Const(E).i32Mul().set(rowBytes)
  f.get(R).i32Const(-step).i32And().set(end)
  /** Adds the columns of rows x and y, in order, to `sum`. */
  const addPairs = (x: Local<'v128'>, y: Local<'v128'>, sum: Local<'v128'>): void => {
    if (t === 'f32') {
      for (const half of [lanes32(0, 4, 1, 5), lanes32(2, 6, 3, 7)]) {
        f.get(x).get(y).i8x16Shuffle(half).set(u)
        f.get(sum).get(u).f64x2PromoteLowF32x4().f64x2Add().set(sum)
        f.get(sum).get(u).get(u).i8x16Shuffle(SWAP).f64x2PromoteLowF32x4().f64x2Add().set(sum)
      }
    } else {
      f.get(sum).get(x).get(y).i8x16Shuffle(lanes32(0, 1, 4, 5)).f64x2Add().set(sum)
      f.get(sum).get(x).get(y).i8x16Shuffle(lanes32(2, 3, 6, 7)).f64x2Add().set(sum)
    }
  }
  /** The pair [x[r], y[r]] as f64x2, for the columns after the last whole vector. */
  const pairAt = (x: Local<'i32'>, y: Local<'i32'>): void => {
    if (t === 'f32') {
      f.get(x).get(r).i32Const(4).i32Mul().i32Add().v128Load32Zero()
      f.get(y).get(r).i32Const(4).i32Mul().i32Add().v128Load32Zero()
      f.i8x16Shuffle(lanes32(0, 4, 1, 5)).f64x2PromoteLowF32x4()
    } else {
      f.get(x).get(r).i32Const(8).i32Mul().i32Add().v128Load64Splat()
      f.get(y).get(r).i32Const(8).i32Mul().i32Add().v128Load64Splat()
      f.i8x16Shuffle(lanes32(0, 1, 4, 5))
    }
  }
  /** Rows from p on, `2·n` at a time, while a whole block remains. */
  const blocksOf = (n: number): void => {
    const rows = 2 * n
    f.get(outer).get(outer).i32Const(rows).i32RemS().i32Sub().set(blocks)
    f.forLoop(p, () => f.get(p), () => f.get(blocks), rows, () => {
      f.get(px).get(p).get(rowBytes).i32Mul().i32Add().set(a[0]!)
      for (let k = 1; k < rows; k++) f.get(a[k - 1]!).get(rowBytes).i32Add().set(a[k]!)
      for (let q = 0; q < n; q++) f.v128Const(new Array<number>(16).fill(0)).set(acc[q]!)
      f.forLoop(r, () => f.i32Const(0), () => f.get(end), step, () => {
        for (let k = 0; k < rows; k++) f.get(a[k]!).get(r).i32Const(E).i32Mul().i32Add().v128Load().set(v[k]!)
        for (let q = 0; q < n; q++) addPairs(v[2 * q]!, v[2 * q + 1]!, acc[q]!)
      })
      f.forLoop(r, () => f.get(end), () => f.get(R), 1, () => {
        for (let q = 0; q < n; q++) f.get(acc[q]!).pipe(() => { pairAt(a[2 * q]!, a[2 * q + 1]!); }).f64x2Add().set(acc[q]!)
      })
      f.get(po).get(p).i32Const(E).i32Mul().i32Add().set(o)
      for (let k = 0; k < rows; k++) {
        f.get(o).get(acc[k >> 1]!).f64x2ExtractLane(k & 1)
        if (t === 'f32') f.f32DemoteF64().f32Store(k * E)
        else f.f64Store(k * E)
      }
    })
  }
  f.i32Const(0).set(p)
  blocksOf(pairs)
  if (pairs > 1) blocksOf(1)
  // The last row if one is left.
  f.forLoop(p, () => f.get(p), () => f.get(outer), 1, () => {
    f.get(px).get(p).get(rowBytes).i32Mul().i32Add().set(a[0]!)
    f.f64Const(0).set(s)
    f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
      f.get(s).get(a[0]!).get(r).i32Const(E).i32Mul().i32Add()
      if (t === 'f32') f.f32Load().f64PromoteF32()
      else f.f64Load()
      f.f64Add().set(s)
    })
    f.get(po).get(p).i32Const(E).i32Mul().i32Add().get(s)
    if (t === 'f32') f.f32DemoteF64().f32Store()
    else f.f64Store()
  })
}

/**
 * Maxima (minima) of `[outer, R]` rows, `groups` vectors of rows at a time
 * (four float32 rows or two float64 rows each; then one vector of rows, then
 * one row), one running extreme per vector. float32: four columns of four
 * rows transpose to the vectors `[aᵣ bᵣ cᵣ dᵣ]`, which update the group's
 * extreme in order of r; float64: two columns interleave to `[aᵣ bᵣ]`. A
 * single row runs the reference's loop as scalars: a NaN ends it, and a branch
 * rather than a select keeps its running extreme off the critical path.
 */
const emitExtremeRows = (mb: ModuleBuilder, op: 'max' | 'min', t: Lanes, groups: number): void => {
  const f = mb.fn(reduceName(op, t, 'rows'), ['i32', 'i32', 'i32', 'i32'])
  const [px, po, outer, R] = f.params as readonly Local<'i32'>[] as P4
  const E = t === 'f32' ? 4 : 8
  const lanes = 16 / E
  const p = f.local('i32'), r = f.local('i32'), blocks = f.local('i32'), end = f.local('i32'), rowBytes = f.local('i32')
  const a = Array.from({ length: groups * lanes }, () => f.local('i32'))
  const v = Array.from({ length: groups * lanes }, () => f.local('v128'))
  const m = Array.from({ length: groups }, () => f.local('v128'))
  const u = [f.local('v128'), f.local('v128')] as const
  const c = f.local('v128')
  const xs = f.local(t), ms = f.local(t)
  const start = op === 'max' ? -Infinity : Infinity
  const startBytes = Array.from(new Uint8Array((t === 'f32' ? new Float32Array(4) : new Float64Array(2)).fill(start).buffer))
  f.get(R).i32Const(E).i32Mul().set(rowBytes)
  f.get(R).i32Const(-lanes).i32And().set(end)
  /** Updates extreme `mg` with the vector the callback pushes. */
  const update = (mg: Local<'v128'>, col: () => void): void => {
    col()
    f.set(c)
    better(f, op, t, c, mg)
    f.set(mg)
  }
  /** Rows from p on, `n` vectors of rows at a time, while a whole block remains. */
  const blocksOf = (n: number): void => {
    const rows = n * lanes
    f.get(outer).get(outer).i32Const(rows).i32RemS().i32Sub().set(blocks)
    f.forLoop(p, () => f.get(p), () => f.get(blocks), rows, () => {
      f.get(px).get(p).get(rowBytes).i32Mul().i32Add().set(a[0]!)
      for (let k = 1; k < rows; k++) f.get(a[k - 1]!).get(rowBytes).i32Add().set(a[k]!)
      for (let g = 0; g < n; g++) f.v128Const(startBytes).set(m[g]!)
      f.forLoop(r, () => f.i32Const(0), () => f.get(end), lanes, () => {
        for (let k = 0; k < rows; k++) f.get(a[k]!).get(r).i32Const(E).i32Mul().i32Add().v128Load().set(v[k]!)
        for (const [lo, hi] of t === 'f32' ? [[0, 1], [2, 3]] as const : [[0, 1]] as const) {
          for (let g = 0; g < n; g++) {
            const w = v.slice(g * lanes, (g + 1) * lanes)
            if (t === 'f32') {
              // [a_lo b_lo a_hi b_hi], [c_lo d_lo c_hi d_hi] → columns lo and hi of the four rows
              f.get(w[0]!).get(w[1]!).i8x16Shuffle(lanes32(lo, lo + 4, hi, hi + 4)).set(u[0])
              f.get(w[2]!).get(w[3]!).i8x16Shuffle(lanes32(lo, lo + 4, hi, hi + 4)).set(u[1])
              update(m[g]!, () => f.get(u[0]).get(u[1]).i8x16Shuffle(lanes32(0, 1, 4, 5)))
              update(m[g]!, () => f.get(u[0]).get(u[1]).i8x16Shuffle(lanes32(2, 3, 6, 7)))
            } else {
              update(m[g]!, () => f.get(w[0]!).get(w[1]!).i8x16Shuffle(lanes32(0, 1, 4, 5)))
              update(m[g]!, () => f.get(w[0]!).get(w[1]!).i8x16Shuffle(lanes32(2, 3, 6, 7)))
            }
          }
        }
      })
      // The columns after the last whole vector, each row's element in its lane.
      f.forLoop(r, () => f.get(end), () => f.get(R), 1, () => {
        for (let g = 0; g < n; g++) {
          const w = v.slice(g * lanes, (g + 1) * lanes)
          update(m[g]!, () => {
            for (let k = 0; k < lanes; k++) f.get(a[g * lanes + k]!).get(r).i32Const(E).i32Mul().i32Add().pipe((h) => { splatLoad(h, t); }).set(w[k]!)
            if (t === 'f32') {
              f.get(w[0]!).get(w[1]!).i8x16Shuffle(lanes32(0, 4, 0, 4)).set(u[0])
              f.get(w[2]!).get(w[3]!).i8x16Shuffle(lanes32(0, 4, 0, 4)).set(u[1])
              f.get(u[0]).get(u[1]).i8x16Shuffle(lanes32(0, 1, 4, 5))
            } else {
              f.get(w[0]!).get(w[1]!).i8x16Shuffle(lanes32(0, 1, 4, 5))
            }
          })
        }
      })
      for (let g = 0; g < n; g++) f.get(po).get(p).i32Const(E).i32Mul().i32Add().get(m[g]!).v128Store(16 * g)
    })
  }
  f.i32Const(0).set(p)
  blocksOf(groups)
  if (groups > 1) blocksOf(1)
  // The rows left, one at a time.
  f.forLoop(p, () => f.get(p), () => f.get(outer), 1, () => {
    f.get(px).get(p).get(rowBytes).i32Mul().i32Add().set(a[0]!)
    if (t === 'f32') f.f32Const(start).set(ms)
    else f.f64Const(start).set(ms)
    f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
      f.get(a[0]!).get(r).i32Const(E).i32Mul().i32Add()
      if (t === 'f32') f.f32Load().set(xs)
      else f.f64Load().set(xs)
      // depths inside the `if`: 0 the if, 1 the loop, 2 the loop's block
      f.get(xs).get(xs).pipe((g) => (t === 'f32' ? g.f32Ne() : g.f64Ne()))
      f.if(() => f.get(xs).set(ms).br(2))
      f.get(xs).get(ms).pipe((g) => (t === 'f32' ? (op === 'max' ? g.f32Gt() : g.f32Lt()) : op === 'max' ? g.f64Gt() : g.f64Lt()))
      f.if(() => f.get(xs).set(ms))
    })
    f.get(po).get(p).i32Const(E).i32Mul().i32Add().get(ms)
    store(f, t)
  })
}

/** Adds the reductions to a module. @internal */
export const emitReductions = (mb: ModuleBuilder): void => {
  for (const t of ['f32', 'f64'] as const) {
    emitSumCols(mb, t)
    emitExtremeCols(mb, 'max', t)
    emitExtremeCols(mb, 'min', t)
    emitSumRows(mb, t, SUM_PAIRS)
    emitExtremeRows(mb, 'max', t, EXTREME_GROUPS[t])
    emitExtremeRows(mb, 'min', t, EXTREME_GROUPS[t])
  }
}
