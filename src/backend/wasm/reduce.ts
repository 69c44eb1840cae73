/**
 * Reductions over a middle axis, `[outer, R, inner] → [outer, inner]` with
 * `inner > 1` (a column sum such as a bias gradient, the column max of
 * max-norm), vectorised across `inner`, in the reference's order and
 * arithmetic (`../js/reduce.ts`), so both backends give the same bits:
 *
 * - sum: each output accumulates in double precision, rows in order, and is
 *   rounded once to the dtype (float32 lanes are promoted to `f64x2`);
 * - max/min: rows in order, `m = v > m || v ≠ v ? v : m` (NaN sticks, and of
 *   ±0 the first seen stays), from −∞/+∞.
 *
 * `sum_<t>(x, out, acc, outer, R, inner)` needs `8·inner` bytes of workspace at `acc`.
 */
import type { FunctionBuilder, Local, ModuleBuilder } from './emit.js'
import type { Lanes } from './elementwise.js'

/** Reductions with a kernel here. @internal */
export type WasmReduce = 'sum' | 'max' | 'min'

/** The export name of a reduction kernel. @internal */
export const reduceName = (op: WasmReduce, t: Lanes): string => `${op}_${t}_cols`

type P6 = [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]

const emitSum = (mb: ModuleBuilder, t: Lanes): void => {
  const f = mb.fn(reduceName('sum', t), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
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
          f.get(a).get(a).v128Load(16).get(v).get(v).i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).f64x2PromoteLowF32x4().f64x2Add().v128Store(16)
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

const emitExtreme = (mb: ModuleBuilder, op: 'max' | 'min', t: Lanes): void => {
  const f = mb.fn(reduceName(op, t), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
  const [px, po, , outer, R, inner] = f.params as readonly Local<'i32'>[] as P6
  const E = t === 'f32' ? 4 : 8
  const lanes = 16 / E
  const p = f.local('i32'), r = f.local('i32'), i = f.local('i32'), end = f.local('i32'), row = f.local('i32'), o = f.local('i32')
  const v = f.local('v128'), m = f.local('v128')
  const start = op === 'max' ? -Infinity : Infinity
  const better = (g: FunctionBuilder): void => {
    // mask = (v ⋛ m) | (v ≠ v) on the stack, from locals v and m
    g.get(v).get(m)
    if (t === 'f32') (op === 'max' ? g.f32x4Gt() : g.f32x4Lt()).get(v).get(v).f32x4Ne()
    else (op === 'max' ? g.f64x2Gt() : g.f64x2Lt()).get(v).get(v).f64x2Ne()
    g.v128Or()
  }
  f.get(inner).i32Const(-lanes).i32And().set(end)
  f.forLoop(p, () => f.i32Const(0), () => f.get(outer), 1, () => {
    f.get(po).get(p).get(inner).i32Mul().i32Const(E).i32Mul().i32Add().set(o)
    // out row starts at ∓∞, then each input row in order updates it
    f.forLoop(i, () => f.i32Const(0), () => f.get(inner), 1, () => {
      f.get(o).get(i).i32Const(E).i32Mul().i32Add()
      if (t === 'f32') f.f32Const(start).f32Store()
      else f.f64Const(start).f64Store()
    })
    f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
      f.get(px).get(p).get(R).i32Mul().get(r).i32Add().get(inner).i32Mul().i32Const(E).i32Mul().i32Add().set(row)
      f.forLoop(i, () => f.i32Const(0), () => f.get(end), lanes, () => {
        f.get(row).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(v)
        f.get(o).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(m)
        f.get(o).get(i).i32Const(E).i32Mul().i32Add()
        f.get(v).get(m)
        better(f)
        f.v128Bitselect().v128Store()
      })
      // the tail through lane 0 of splats: the same comparisons
      f.forLoop(i, () => f.get(end), () => f.get(inner), 1, () => {
        f.get(row).get(i).i32Const(E).i32Mul().i32Add()
        if (t === 'f32') f.v128Load32Splat()
        else f.v128Load64Splat()
        f.set(v)
        f.get(o).get(i).i32Const(E).i32Mul().i32Add()
        if (t === 'f32') f.v128Load32Splat()
        else f.v128Load64Splat()
        f.set(m)
        f.get(o).get(i).i32Const(E).i32Mul().i32Add()
        f.get(v).get(m)
        better(f)
        f.v128Bitselect()
        if (t === 'f32') f.f32x4ExtractLane(0).f32Store()
        else f.f64x2ExtractLane(0).f64Store()
      })
    })
  })
}

/** Adds the column reductions to a module. @internal */
export const emitReductions = (mb: ModuleBuilder): void => {
  for (const t of ['f32', 'f64'] as const) {
    emitSum(mb, t)
    emitExtreme(mb, 'max', t)
    emitExtreme(mb, 'min', t)
  }
}
