/**
 * Elementwise kernels in WebAssembly SIMD128: binary arithmetic, comparisons
 * and exact unary maps over float32 (`f32x4`) and float64 (`f64x2`).
 *
 * Only ops whose result IEEE 754 fixes to the bit are here — `+ − × ÷ √`,
 * negation, absolute value, and the select-based `maximum`, `minimum` and
 * `relu` — so this backend and the JavaScript reference agree exactly (a
 * float32 op computed in doubles and rounded once, as JavaScript does, is the
 * float32 op). Transcendental maps (exp, log, tanh, …) stay on the reference
 * kernels, whose `Math` results a polynomial here would not reproduce.
 *
 * A binary kernel walks the output as R rows of L elements; each operand is a
 * row of L elements (`v`, vector loads) or one element per row (`s`, a
 * splat), and advances by its own byte stride per row (0 when the row
 * repeats). That covers same-shape operands, scalars, biases (`[n,k] + [k]`)
 * and per-row scales (`[n,k] · [n,1]`); other broadcasts use the reference.
 */
import type { FunctionBuilder, Local, ModuleBuilder } from './emit.js'

/** The float types with kernels here. @internal */
export type Lanes = 'f32' | 'f64'
/** Binary ops with a kernel here (comparisons write 0/1 bytes). @internal */
export type WasmBinary = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'
/** Unary ops with a kernel here. @internal */
export type WasmUnary = 'neg' | 'abs' | 'sqrt' | 'relu'
/** How an operand appears in each row: a row of elements or one element splatted. @internal */
export type Kind = 'v' | 's'

export const BINARY: readonly WasmBinary[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'lt', 'le', 'gt', 'ge', 'eq', 'ne']
export const UNARY: readonly WasmUnary[] = ['neg', 'abs', 'sqrt', 'relu']
export const KINDS: readonly (readonly [Kind, Kind])[] = [['v', 'v'], ['v', 's'], ['s', 'v']]

const isCompare = (op: WasmBinary): boolean => op === 'lt' || op === 'le' || op === 'gt' || op === 'ge' || op === 'eq' || op === 'ne'

/** The export name of a binary kernel. @internal */
export const binaryName = (op: WasmBinary, t: Lanes, kx: Kind, ky: Kind): string => `${op}_${t}_${kx}${ky}`
/** The export name of a unary kernel. @internal */
export const unaryName = (op: WasmUnary, t: Lanes): string => `${op}_${t}`

interface Ops {
  readonly bytes: number
  readonly load: (f: FunctionBuilder) => FunctionBuilder
  readonly store: (f: FunctionBuilder) => FunctionBuilder
  readonly splat: (f: FunctionBuilder) => FunctionBuilder
  readonly scalarSplat: (f: FunctionBuilder) => FunctionBuilder
  readonly local: (f: FunctionBuilder) => Local
  /** vector op on the two v128 on the stack */
  readonly v: Record<'add' | 'sub' | 'mul' | 'div' | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne', (f: FunctionBuilder) => FunctionBuilder>
  readonly vneg: (f: FunctionBuilder) => FunctionBuilder
  readonly vabs: (f: FunctionBuilder) => FunctionBuilder
  readonly vsqrt: (f: FunctionBuilder) => FunctionBuilder
}

const F32: Ops = {
  bytes: 4,
  load: (f) => f.f32Load(),
  store: (f) => f.f32Store(),
  splat: (f) => f.v128Load32Splat(),
  scalarSplat: (f) => f.f32x4Splat(),
  local: (f) => f.local('f32'),
  v: {
    add: (f) => f.f32x4Add(), sub: (f) => f.f32x4Sub(), mul: (f) => f.f32x4Mul(), div: (f) => f.f32x4Div(),
    lt: (f) => f.f32x4Lt(), le: (f) => f.f32x4Le(), gt: (f) => f.f32x4Gt(), ge: (f) => f.f32x4Ge(), eq: (f) => f.f32x4Eq(), ne: (f) => f.f32x4Ne(),
  },
  vneg: (f) => f.f32x4Neg(),
  vabs: (f) => f.f32x4Abs(),
  vsqrt: (f) => f.f32x4Sqrt(),
}

const F64: Ops = {
  bytes: 8,
  load: (f) => f.f64Load(),
  store: (f) => f.f64Store(),
  splat: (f) => f.v128Load64Splat(),
  scalarSplat: (f) => f.f64x2Splat(),
  local: (f) => f.local('f64'),
  v: {
    add: (f) => f.f64x2Add(), sub: (f) => f.f64x2Sub(), mul: (f) => f.f64x2Mul(), div: (f) => f.f64x2Div(),
    lt: (f) => f.f64x2Lt(), le: (f) => f.f64x2Le(), gt: (f) => f.f64x2Gt(), ge: (f) => f.f64x2Ge(), eq: (f) => f.f64x2Eq(), ne: (f) => f.f64x2Ne(),
  },
  vneg: (f) => f.f64x2Neg(),
  vabs: (f) => f.f64x2Abs(),
  vsqrt: (f) => f.f64x2Sqrt(),
}

const opsOf = (t: Lanes): Ops => (t === 'f32' ? F32 : F64)

/**
 * `u op v` for two vectors in locals, leaving the result on the stack.
 * maximum/minimum follow the reference exactly: `u > v || u ≠ u ? u : v`
 * (NaN from either side, and the second operand on ties such as ±0).
 */
const vectorOp = (f: FunctionBuilder, o: Ops, op: WasmBinary, u: Local<'v128'>, v: Local<'v128'>): void => {
  if (op === 'maximum' || op === 'minimum') {
    f.get(u).get(v)
    f.get(u).get(v)
    o.v[op === 'maximum' ? 'gt' : 'lt'](f)
    f.get(u).get(u)
    o.v.ne(f)
    f.v128Or()
    f.v128Bitselect()
    return
  }
  f.get(u).get(v)
  o.v[op](f)
}

/** The same op on one lane: extract lane 0 of the vector computation on splats keeps one definition per op. */
const emitBinary = (mb: ModuleBuilder, op: WasmBinary, t: Lanes, kx: Kind, ky: Kind): void => {
  const o = opsOf(t)
  const E = o.bytes
  const lanes = 16 / E
  const cmp = isCompare(op)
  const OE = cmp ? 1 : E // output element bytes
  const f = mb.fn(binaryName(op, t, kx, ky), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
  const [px, sx, py, sy, po, R, L] = f.params as readonly Local<'i32'>[] as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]
  const r = f.local('i32'), i = f.local('i32'), end = f.local('i32')
  const ax = f.local('i32'), ay = f.local('i32'), ao = f.local('i32')
  const u = f.local('v128'), v = f.local('v128')
  const one = f.local('v128'), mask = f.local('v128')
  f.v128Const(new Array<number>(16).fill(1)).set(one)
  // Vectors end at the last multiple of `lanes` in a row.
  f.get(L).i32Const(-lanes).i32And().set(end)
  f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
    f.get(px).get(r).get(sx).i32Mul().i32Add().set(ax)
    f.get(py).get(r).get(sy).i32Mul().i32Add().set(ay)
    f.get(po).get(r).get(L).i32Mul().i32Const(OE).i32Mul().i32Add().set(ao)
    if (kx === 's') f.get(ax).pipe(o.splat).set(u)
    if (ky === 's') f.get(ay).pipe(o.splat).set(v)
    f.forLoop(i, () => f.i32Const(0), () => f.get(end), lanes, () => {
      if (kx === 'v') f.get(ax).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(u)
      if (ky === 'v') f.get(ay).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(v)
      if (!cmp) {
        f.get(ao).get(i).i32Const(E).i32Mul().i32Add()
        vectorOp(f, o, op, u, v)
        f.v128Store()
      } else {
        // lanes of all-ones/zeros masks → bytes 0/1
        f.get(ao).get(i).i32Add()
        vectorOp(f, o, op, u, v)
        if (E === 4) {
          f.set(mask)
          f.get(mask).get(mask).i16x8NarrowI32x4S().set(mask)
          f.get(mask).get(mask).i8x16NarrowI16x8S()
          f.get(one).v128And()
          f.i32x4ExtractLane(0).i32Store()
        } else {
          // two 64-bit masks → two bytes
          f.set(mask)
          f.get(mask).i32x4ExtractLane(0).i32Const(1).i32And()
          f.get(mask).i32x4ExtractLane(2).i32Const(1).i32And().i32Const(8).i32Shl().i32Or()
          f.i32Store16()
        }
      }
    })
    // The tail: the same vector op on splats of single elements, lane 0 kept.
    f.forLoop(i, () => f.get(end), () => f.get(L), 1, () => {
      f.get(ax)
      if (kx === 'v') f.get(i).i32Const(E).i32Mul().i32Add()
      f.pipe(o.splat).set(u)
      f.get(ay)
      if (ky === 'v') f.get(i).i32Const(E).i32Mul().i32Add()
      f.pipe(o.splat).set(v)
      if (!cmp) {
        f.get(ao).get(i).i32Const(E).i32Mul().i32Add()
        vectorOp(f, o, op, u, v)
        if (E === 4) f.f32x4ExtractLane(0).f32Store()
        else f.f64x2ExtractLane(0).f64Store()
      } else {
        f.get(ao).get(i).i32Add()
        vectorOp(f, o, op, u, v)
        f.i32x4ExtractLane(0).i32Const(1).i32And().i32Store8()
      }
    })
  })
}

/** `relu(u) = u > 0 || u ≠ u ? u : 0`, as the reference (−0 → 0, NaN stays). */
const emitUnary = (mb: ModuleBuilder, op: WasmUnary, t: Lanes): void => {
  const o = opsOf(t)
  const E = o.bytes
  const lanes = 16 / E
  const f = mb.fn(unaryName(op, t), ['i32', 'i32', 'i32'])
  const [px, po, n] = f.params as readonly Local<'i32'>[] as [Local<'i32'>, Local<'i32'>, Local<'i32'>]
  const i = f.local('i32'), end = f.local('i32')
  const u = f.local('v128'), zero = f.local('v128')
  f.v128Const(new Array<number>(16).fill(0)).set(zero)
  f.get(n).i32Const(-lanes).i32And().set(end)
  const apply = (): void => {
    switch (op) {
      case 'neg': f.get(u).pipe(o.vneg); break
      case 'abs': f.get(u).pipe(o.vabs); break
      case 'sqrt': f.get(u).pipe(o.vsqrt); break
      case 'relu':
        f.get(u).get(zero)
        f.get(u).get(zero).pipe(o.v.gt)
        f.get(u).get(u).pipe(o.v.ne)
        f.v128Or().v128Bitselect()
        break
    }
  }
  f.forLoop(i, () => f.i32Const(0), () => f.get(end), lanes, () => {
    f.get(px).get(i).i32Const(E).i32Mul().i32Add().v128Load().set(u)
    f.get(po).get(i).i32Const(E).i32Mul().i32Add()
    apply()
    f.v128Store()
  })
  f.forLoop(i, () => f.get(end), () => f.get(n), 1, () => {
    f.get(px).get(i).i32Const(E).i32Mul().i32Add().pipe(o.splat).set(u)
    f.get(po).get(i).i32Const(E).i32Mul().i32Add()
    apply()
    if (E === 4) f.f32x4ExtractLane(0).f32Store()
    else f.f64x2ExtractLane(0).f64Store()
  })
}

/** The operand kinds of `where` (condition, then, else) with a kernel: all but three splats. @internal */
export const WHERE_KINDS: readonly (readonly [Kind, Kind, Kind])[] = (['v', 's'] as const).flatMap((c) =>
  (['v', 's'] as const).flatMap((a) => (['v', 's'] as const).map((b) => [c, a, b] as const))).filter((k) => k.some((x) => x === 'v'))

/** The export name of a `where` kernel. @internal */
export const whereName = (t: Lanes, kc: Kind, ka: Kind, kb: Kind): string => `where_${t}_${kc}${ka}${kb}`

/**
 * `where(c, a, b)` over R rows of L: a copy of `a`'s or `b`'s element as the
 * bool byte says, as the reference does. float32 selects four lanes at a time
 * (the condition's bytes widened to lane masks); float64 one element at a time.
 */
const emitWhere = (mb: ModuleBuilder, t: Lanes, kc: Kind, ka: Kind, kb: Kind): void => {
  const o = opsOf(t)
  const E = o.bytes
  const f = mb.fn(whereName(t, kc, ka, kb), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'])
  const [pc, sc, pa, sa, pb, sb, po, R, L] = f.params as readonly Local<'i32'>[] as [
    Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>,
  ]
  const r = f.local('i32'), i = f.local('i32'), end = f.local('i32')
  const ac = f.local('i32'), aa = f.local('i32'), ab = f.local('i32'), ao = f.local('i32')
  const m = f.local('v128'), u = f.local('v128'), v = f.local('v128')
  const at = (base: Local<'i32'>, k: Kind, bytes: number): void => {
    f.get(base)
    if (k === 'v') f.get(i).i32Const(bytes).i32Mul().i32Add()
  }
  f.get(L).i32Const(t === 'f32' ? -4 : 0).i32And().set(end)
  f.forLoop(r, () => f.i32Const(0), () => f.get(R), 1, () => {
    f.get(pc).get(r).get(sc).i32Mul().i32Add().set(ac)
    f.get(pa).get(r).get(sa).i32Mul().i32Add().set(aa)
    f.get(pb).get(r).get(sb).i32Mul().i32Add().set(ab)
    f.get(po).get(r).get(L).i32Mul().i32Const(E).i32Mul().i32Add().set(ao)
    if (t === 'f32') {
      if (kc === 's') f.i32Const(0).get(ac).i32Load8U().i32Sub().i32x4Splat().set(m)
      if (ka === 's') f.get(aa).v128Load32Splat().set(u)
      if (kb === 's') f.get(ab).v128Load32Splat().set(v)
      f.forLoop(i, () => f.i32Const(0), () => f.get(end), 4, () => {
        if (kc === 'v') f.get(ac).get(i).i32Add().v128Load32Zero().i16x8ExtendLowI8x16U().i32x4ExtendLowI16x8U().i32x4Neg().set(m)
        if (ka === 'v') f.get(aa).get(i).i32Const(4).i32Mul().i32Add().v128Load().set(u)
        if (kb === 'v') f.get(ab).get(i).i32Const(4).i32Mul().i32Add().v128Load().set(v)
        f.get(ao).get(i).i32Const(4).i32Mul().i32Add()
        f.get(u).get(v).get(m).v128Bitselect()
        f.v128Store()
      })
    }
    // The rest (float64: every element), one at a time.
    f.forLoop(i, () => f.get(end), () => f.get(L), 1, () => {
      f.get(ao).get(i).i32Const(E).i32Mul().i32Add()
      at(aa, ka, E)
      o.load(f)
      at(ab, kb, E)
      o.load(f)
      at(ac, kc, 1)
      f.i32Load8U()
      f.select()
      o.store(f)
    })
  })
}

/** Adds every elementwise kernel to a module. @internal */
export const emitElementwise = (mb: ModuleBuilder): void => {
  for (const t of ['f32', 'f64'] as const) {
    for (const op of BINARY) for (const [kx, ky] of KINDS) emitBinary(mb, op, t, kx, ky)
    for (const op of UNARY) emitUnary(mb, op, t)
    for (const [kc, ka, kb] of WHERE_KINDS) emitWhere(mb, t, kc, ka, kb)
  }
}
