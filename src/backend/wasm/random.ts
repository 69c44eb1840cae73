/**
 * Threefry-2x32 (20 rounds) in WebAssembly SIMD128, four counters per step:
 * the 32-bit adds, rotations and xors of the reference (`../js/threefry.ts`)
 * on `i32x4` lanes, so the bits equal the reference's — and JAX's — exactly.
 *
 * `bits32(k0, k1, out, start, count)` writes `y0 ^ y1` of the counters
 * `(0, i)` for `i` in `[start, start + count)` to `out[i − start]` (int32):
 * JAX's partitionable bits for flat indices below 2³². `uniform32` turns them
 * into float32 uniforms on `[lo, lo + span)` with the reference's rounding:
 * `max(lo, fl(fl(mantissa · 2⁻²³ · span) + lo))`. A thread computes any
 * range of counters, so splitting a draw over threads changes no bit.
 */
import type { FunctionBuilder, Local, ModuleBuilder } from './emit.js'

const ROT0 = [13, 15, 26, 6] as const
const ROT1 = [17, 29, 16, 24] as const

/** Independent counter vectors per step: threefry's rounds are one long dependency chain, so several chains interleaved keep the SIMD units busy. */
const STREAMS = 4

interface Stream { readonly a: Local<'v128'>; readonly b: Local<'v128'>; readonly tmp: Local<'v128'> }

/** Emits the 20 rounds on every stream, interleaved op by op, with key words `ks[0..2]` (splatted); leaves `y0` in `a` and `y1` in `b`. */
const rounds = (f: FunctionBuilder, ss: readonly Stream[], ks: readonly Local<'v128'>[]): void => {
  const ks0 = ks[0]!, ks1 = ks[1]!, ks2 = ks[2]!
  const round = (r: number): void => {
    // a += b; b = rotl(b, r) ^ a
    for (const { a, b } of ss) f.get(a).get(b).i32x4Add().set(a)
    for (const { b, tmp } of ss) f.get(b).i32Const(r).i32x4Shl().get(b).i32Const(32 - r).i32x4ShrU().v128Or().set(tmp)
    for (const { a, b, tmp } of ss) f.get(tmp).get(a).v128Xor().set(b)
  }
  const inject = (x: Local<'v128'>, y: Local<'v128'>, n: number): void => {
    for (const { a, b } of ss) {
      f.get(a).get(x).i32x4Add().set(a)
      f.get(b).get(y).i32x4Add().i32Const(n).i32x4Splat().i32x4Add().set(b)
    }
  }
  for (const { a, b } of ss) {
    f.get(a).get(ks0).i32x4Add().set(a)
    f.get(b).get(ks1).i32x4Add().set(b)
  }
  const schedule: readonly (readonly [Local<'v128'>, Local<'v128'>])[] = [[ks1, ks2], [ks2, ks0], [ks0, ks1], [ks1, ks2], [ks2, ks0]]
  for (let g = 0; g < 5; g++) {
    for (const r of g % 2 === 0 ? ROT0 : ROT1) round(r)
    const [x, y] = schedule[g]!
    inject(x, y, g + 1)
  }
}

type Finish = (f: FunctionBuilder, a: Local<'v128'>, b: Local<'v128'>, params: readonly Local<'i32'>[]) => void

/**
 * A kernel over counters `[start, start + count)`, four per step; `finish`
 * leaves the four output lanes on the stack — 32-bit lanes, or with `bytes`
 * = 1 four bytes in lane 0 — and the tail stores lanes one by one.
 */
const emitCounterKernel = (mb: ModuleBuilder, name: string, extra: readonly 'i32'[], finish: Finish, bytes: 1 | 4 = 4): void => {
  const f = mb.fn(name, ['i32', 'i32', 'i32', 'i32', 'i32', ...extra])
  const ps = f.params as readonly Local<'i32'>[]
  const [k0, k1, out, start, count] = ps as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]
  const i = f.local('i32'), lane = f.local('i32'), left = f.local('i32')
  const ss: Stream[] = Array.from({ length: STREAMS }, () => ({ a: f.local('v128'), b: f.local('v128'), tmp: f.local('v128') }))
  const res = f.local('v128')
  const ks = [f.local('v128'), f.local('v128'), f.local('v128')]
  f.get(k0).i32x4Splat().set(ks[0]!)
  f.get(k1).i32x4Splat().set(ks[1]!)
  f.get(k0).get(k1).i32Xor().i32Const(0x1bd11bda).i32Xor().i32x4Splat().set(ks[2]!)
  const iota = f.local('v128')
  f.v128Const([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).set(iota)
  f.forLoop(i, () => f.i32Const(0), () => f.get(count), 4 * STREAMS, () => {
    ss.forEach(({ a, b }, k) => {
      f.v128Const(new Array<number>(16).fill(0)).set(a)
      f.get(start).get(i).i32Add().i32Const(4 * k).i32Add().i32x4Splat().get(iota).i32x4Add().set(b)
    })
    rounds(f, ss, ks)
    ss.forEach(({ a, b }, k) => {
      finish(f, a, b, ps.slice(5))
      f.set(res)
      // counters left from this vector's first: store four lanes, some, or none
      f.get(count).get(i).i32Sub().i32Const(4 * k).i32Sub().set(left)
      f.get(left).i32Const(4).i32GeS()
      f.if(() => {
        f.get(out).get(i).i32Const(4 * k).i32Add().i32Const(bytes).i32Mul().i32Add().get(res)
        if (bytes === 4) f.v128Store()
        else f.i32x4ExtractLane(0).i32Store()
      }, () => {
        f.forLoop(lane, () => f.i32Const(0), () => f.get(left), 1, () => {
          f.get(out).get(i).i32Const(4 * k).i32Add().get(lane).i32Add().i32Const(bytes).i32Mul().i32Add()
          if (bytes === 4) {
            f.get(res).i32x4ExtractLane(0).i32Store()
            f.get(res).get(res).i8x16Shuffle([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3]).set(res)
          } else {
            f.get(res).i32x4ExtractLane(0).i32Store8()
            f.get(res).get(res).i8x16Shuffle([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0]).set(res)
          }
        })
      })
    })
  })
}

const xorWords: Finish = (f, a, b) => { f.get(a).get(b).v128Xor() }

/** float32 uniforms on `[lo, lo + span)` from the words: `max(lo, fl(fl(mantissa · 2⁻²³ · span) + lo))`, left on the stack. */
const uniformLanes = (f: FunctionBuilder, a: Local<'v128'>, b: Local<'v128'>, loBits: Local<'i32'>, spanBits: Local<'i32'>): void => {
  const v = f.local('v128'), lo = f.local('v128')
  f.get(loBits).f32ReinterpretI32().f32x4Splat().set(lo)
  xorWords(f, a, b, [])
  f.i32Const(9).i32x4ShrU().f32x4ConvertI32x4U()
  f.f32Const(2 ** -23).f32x4Splat().f32x4Mul()
  f.get(spanBits).f32ReinterpretI32().f32x4Splat().f32x4Mul()
  f.get(lo).f32x4Add().set(v)
  // v < lo ? lo : v
  f.get(lo).get(v).get(v).get(lo).f32x4Lt().v128Bitselect()
}

/** Adds `bits32`, `uniform32` and `bernoulli32` to a module. @internal */
export const emitRandom = (mb: ModuleBuilder): void => {
  emitCounterKernel(mb, 'bits32', [], xorWords)
  // uniform32(k0, k1, out, start, count, loBits, spanBits): floats passed as their bits.
  emitCounterKernel(mb, 'uniform32', ['i32', 'i32'], (f, a, b, [loBits, spanBits]) => { uniformLanes(f, a, b, loBits!, spanBits!) })
  // bernoulli32(k0, k1, out, start, count, loBits, spanBits, pBits): bytes u < p of the uniforms on [0, 1) (lo 0, span 1).
  emitCounterKernel(mb, 'bernoulli32', ['i32', 'i32', 'i32'], (f, a, b, [loBits, spanBits, pBits]) => {
    const m = f.local('v128')
    uniformLanes(f, a, b, loBits!, spanBits!)
    f.get(pBits!).f32ReinterpretI32().f32x4Splat().f32x4Lt().set(m)
    // all-ones/zero lanes → bytes 0/1 in lane 0
    f.get(m).get(m).i16x8NarrowI32x4S().set(m)
    f.get(m).get(m).i8x16NarrowI16x8S()
    f.i32Const(0x01010101).i32x4Splat().v128And()
  }, 1)
}
