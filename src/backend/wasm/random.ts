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
 * A kernel over counters `[start, start + count)`. `finish` turns a vector's
 * words into four 32-bit output lanes, left on the stack; with `bytes` = 1
 * they are all-ones/zero masks, stored as bytes 1/0. Whole groups of
 * 4·STREAMS counters run straight-line, their lanes stored whole (sixteen
 * mask bytes in one store); the rest runs one vector at a time, lane by lane.
 */
const emitCounterKernel = (mb: ModuleBuilder, name: string, extra: readonly 'i32'[], finish: Finish, bytes: 1 | 4 = 4): void => {
  const f = mb.fn(name, ['i32', 'i32', 'i32', 'i32', 'i32', ...extra])
  const ps = f.params as readonly Local<'i32'>[]
  const [k0, k1, out, start, count] = ps as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]
  const i = f.local('i32'), lane = f.local('i32'), whole = f.local('i32'), left = f.local('i32')
  const ss: Stream[] = Array.from({ length: STREAMS }, () => ({ a: f.local('v128'), b: f.local('v128'), tmp: f.local('v128') }))
  const res = f.local('v128'), lo = f.local('v128')
  const ks = [f.local('v128'), f.local('v128'), f.local('v128')]
  f.get(k0).i32x4Splat().set(ks[0]!)
  f.get(k1).i32x4Splat().set(ks[1]!)
  f.get(k0).get(k1).i32Xor().i32Const(0x1bd11bda).i32Xor().i32x4Splat().set(ks[2]!)
  const iota = f.local('v128'), one = f.local('v128')
  f.v128Const([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).set(iota)
  f.v128Const(new Array<number>(16).fill(1)).set(one)
  /** Counters start + i + offset + (0, 1, 2, 3) into stream s. */
  const counters = (s: Stream, offset: number): void => {
    f.v128Const(new Array<number>(16).fill(0)).set(s.a)
    f.get(start).get(i).i32Add().i32Const(offset).i32Add().i32x4Splat().get(iota).i32x4Add().set(s.b)
  }
  f.get(count).i32Const(-4 * STREAMS).i32And().set(whole)
  f.forLoop(i, () => f.i32Const(0), () => f.get(whole), 4 * STREAMS, () => {
    ss.forEach((s, k) => { counters(s, 4 * k) })
    rounds(f, ss, ks)
    if (bytes === 4) {
      ss.forEach(({ a, b }, k) => {
        f.get(out).get(i).i32Const(4).i32Mul().i32Add()
        finish(f, a, b, ps.slice(5))
        f.v128Store(16 * k)
      })
    } else {
      // four vectors of masks → 16 bytes
      const [s0, s1, s2, s3] = ss as [Stream, Stream, Stream, Stream]
      finish(f, s0.a, s0.b, ps.slice(5))
      finish(f, s1.a, s1.b, ps.slice(5))
      f.i16x8NarrowI32x4S().set(lo)
      f.get(out).get(i).i32Add()
      f.get(lo)
      finish(f, s2.a, s2.b, ps.slice(5))
      finish(f, s3.a, s3.b, ps.slice(5))
      f.i16x8NarrowI32x4S()
      f.i8x16NarrowI16x8S().get(one).v128And()
      f.v128Store()
    }
  })
  // The tail: fewer than 4·STREAMS counters, one vector at a time.
  const s0 = ss[0]!
  f.forLoop(i, () => f.get(whole), () => f.get(count), 4, () => {
    counters(s0, 0)
    rounds(f, [s0], ks)
    finish(f, s0.a, s0.b, ps.slice(5))
    if (bytes === 1) f.set(res).get(res).get(res).i16x8NarrowI32x4S().set(res).get(res).get(res).i8x16NarrowI16x8S().get(one).v128And()
    f.set(res)
    f.get(count).get(i).i32Sub().set(left)
    f.forLoop(lane, () => f.i32Const(0), () => f.get(left).i32Const(4).get(left).i32Const(4).i32LtS().select(), 1, () => {
      f.get(out).get(i).get(lane).i32Add().i32Const(bytes).i32Mul().i32Add()
      if (bytes === 4) {
        f.get(res).i32x4ExtractLane(0).i32Store()
        f.get(res).get(res).i8x16Shuffle([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3]).set(res)
      } else {
        f.get(res).i32x4ExtractLane(0).i32Store8()
        f.get(res).get(res).i8x16Shuffle([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0]).set(res)
      }
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
  // bernoulli32(k0, k1, out, start, count, thresholdBits): bytes u < p of JAX's uniforms on [0, 1), u = m·2⁻²³ with m the
  // words' top 23 bits: exactly m < p·2²³, the threshold fround(p)·2²³ (a float32, scaled exactly) passed as its bits.
  emitCounterKernel(mb, 'bernoulli32', ['i32'], (f, a, b, [thresholdBits]) => {
    xorWords(f, a, b, [])
    f.i32Const(9).i32x4ShrU().f32x4ConvertI32x4U()
    f.get(thresholdBits!).f32ReinterpretI32().f32x4Splat().f32x4Lt()
  }, 1)
}
