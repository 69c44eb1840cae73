/**
 * `wasm-loop`: a pseudo-peer, the floor of what WebAssembly SIMD can do for a
 * row — one bare loop over operands already in WebAssembly memory, on one
 * thread, with no tensors, no dispatch and no copies in or out. Built with
 * grad-ts's own emitter (src/backend/wasm/emit.ts), so the ratio grad-ts /
 * wasm-loop says how far the library is from its own instruction set.
 *
 * - `fma(px, py, pz, po, n)`: out = x·y + z (f32x4 mul then add, two roundings,
 *   as the library's `add(mul(x, y), z)`), 16 elements per iteration.
 * - `mask(k0, k1, po, n, t)`: Bernoulli bytes in one pass: threefry-2x32 (20
 *   rounds) of the counters (0, i), 16 per iteration in four interleaved
 *   chains; bits = y0 ^ y1; the byte is 1 when (bits >>> 9) < t, t = fround(p)·2²³,
 *   i.e. when JAX's uniform (bits >>> 9)·2⁻²³ is below p. The bench checks the
 *   bytes against grad-ts's `random.bernoulli`.
 */
import { type FunctionBuilder, type Local, ModuleBuilder } from '../../src/backend/wasm/emit.js'
import { type ElementwiseCase, type KeyWords, type MaskCase, type MaskRun, type Peer, type Timed, Unsupported } from './peer.js'

const PAGE = 65536
const BASE = 1024

const ROT0 = [13, 15, 26, 6] as const
const ROT1 = [17, 29, 16, 24] as const

type V = Local<'v128'>

/** `x·y + z`, four vectors per iteration, a scalar tail. */
const emitFma = (mb: ModuleBuilder): void => {
  const f = mb.fn('fma', ['i32', 'i32', 'i32', 'i32', 'i32'])
  const [px, py, pz, po, n] = f.params as readonly Local<'i32'>[] as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]
  const i = f.local('i32'), end = f.local('i32'), bytes = f.local('i32')
  f.get(n).i32Const(4).i32Mul().set(bytes)
  f.get(bytes).i32Const(-64).i32And().set(end)
  f.forLoop(i, () => f.i32Const(0), () => f.get(end), 64, () => {
    for (let u = 0; u < 4; u++) {
      f.get(po).get(i).i32Add()
      f.get(px).get(i).i32Add().v128Load(16 * u)
      f.get(py).get(i).i32Add().v128Load(16 * u)
      f.f32x4Mul()
      f.get(pz).get(i).i32Add().v128Load(16 * u)
      f.f32x4Add()
      f.v128Store(16 * u)
    }
  })
  f.forLoop(i, () => f.get(end), () => f.get(bytes), 4, () => {
    f.get(po).get(i).i32Add()
    f.get(px).get(i).i32Add().f32Load()
    f.get(py).get(i).i32Add().f32Load()
    f.f32Mul()
    f.get(pz).get(i).i32Add().f32Load()
    f.f32Add()
    f.f32Store()
  })
}

/** Threefry-2x32's 20 rounds on four chains at once; `a`, `b` hold the counters' words on entry and y0, y1 on exit. */
const threefry = (f: FunctionBuilder, chains: readonly { a: V; b: V; t: V }[], ks: readonly [V, V, V]): void => {
  const [ks0, ks1, ks2] = ks
  for (const { a, b } of chains) {
    f.get(a).get(ks0).i32x4Add().set(a)
    f.get(b).get(ks1).i32x4Add().set(b)
  }
  const schedule: readonly (readonly [V, V])[] = [[ks1, ks2], [ks2, ks0], [ks0, ks1], [ks1, ks2], [ks2, ks0]]
  for (let g = 0; g < 5; g++) {
    for (const r of g % 2 === 0 ? ROT0 : ROT1) {
      for (const { a, b } of chains) f.get(a).get(b).i32x4Add().set(a)
      for (const { b, t } of chains) f.get(b).i32Const(r).i32x4Shl().get(b).i32Const(32 - r).i32x4ShrU().v128Or().set(t)
      for (const { a, b, t } of chains) f.get(t).get(a).v128Xor().set(b)
    }
    const [x, y] = schedule[g]!
    for (const { a, b } of chains) {
      f.get(a).get(x).i32x4Add().set(a)
      f.get(b).get(y).i32x4Add().i32Const(g + 1).i32x4Splat().i32x4Add().set(b)
    }
  }
}

/** Bernoulli bytes for counters [0, n), n a multiple of 16. */
const emitMask = (mb: ModuleBuilder): void => {
  const f = mb.fn('mask', ['i32', 'i32', 'i32', 'i32', 'f32'])
  const [k0, k1, po, n] = f.params as readonly Local<'i32'>[] as [Local<'i32'>, Local<'i32'>, Local<'i32'>, Local<'i32'>]
  const thr = f.params[4] as Local<'f32'>
  const i = f.local('i32')
  const chains = Array.from({ length: 4 }, () => ({ a: f.local('v128'), b: f.local('v128'), t: f.local('v128') }))
  const ks: [V, V, V] = [f.local('v128'), f.local('v128'), f.local('v128')]
  const iota = f.local('v128'), t4 = f.local('v128'), one = f.local('v128'), lo = f.local('v128'), m = f.local('v128')
  f.get(k0).i32x4Splat().set(ks[0])
  f.get(k1).i32x4Splat().set(ks[1])
  f.get(k0).get(k1).i32Xor().i32Const(0x1bd11bda).i32Xor().i32x4Splat().set(ks[2])
  f.v128Const([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).set(iota)
  f.get(thr).f32x4Splat().set(t4)
  f.v128Const(new Array<number>(16).fill(1)).set(one)
  f.forLoop(i, () => f.i32Const(0), () => f.get(n), 16, () => {
    chains.forEach(({ a, b }, k) => {
      f.v128Const(new Array<number>(16).fill(0)).set(a)
      f.get(i).i32Const(4 * k).i32Add().i32x4Splat().get(iota).i32x4Add().set(b)
    })
    threefry(f, chains, ks)
    // Each chain: all-ones lanes where (y0 ^ y1) >>> 9 < t; then 4 × 4 int32 masks narrowed to 16 bytes.
    for (const { a, b } of chains) f.get(a).get(b).v128Xor().i32Const(9).i32x4ShrU().f32x4ConvertI32x4U().get(t4).f32x4Lt().set(a)
    f.get(chains[0]!.a).get(chains[1]!.a).i16x8NarrowI32x4S().set(lo)
    f.get(chains[2]!.a).get(chains[3]!.a).i16x8NarrowI32x4S().set(m)
    f.get(po).get(i).i32Add()
    f.get(lo).get(m).i8x16NarrowI16x8S().get(one).v128And()
    f.v128Store()
  })
}

interface Machine {
  readonly memory: WebAssembly.Memory
  readonly fma: (px: number, py: number, pz: number, po: number, n: number) => void
  readonly mask: (k0: number, k1: number, po: number, n: number, t: number) => void
}

/** A module with both loops on its own (unshared) memory of at least `bytes` bytes past BASE. */
const machine = (bytes: number): Machine => {
  const pages = Math.ceil((BASE + bytes) / PAGE) + 1
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages })
  const mb = new ModuleBuilder({ initial: pages, maximum: pages, shared: false })
  emitFma(mb)
  emitMask(mb)
  const exports = new WebAssembly.Instance(new WebAssembly.Module(mb.bytes()), { env: { memory } }).exports
  return { memory, fma: exports.fma as Machine['fma'], mask: exports.mask as Machine['mask'] }
}

const elementwise = (c: ElementwiseCase): Promise<Timed> => {
  const n = c.n
  const mc = machine(16 * n + 64)
  const at = (k: number): number => BASE + k * (((4 * n + 15) >> 4) << 4)
  const [px, py, pz, po] = [0, 1, 2, 3].map(at) as [number, number, number, number]
  const view = (p: number): Float32Array => new Float32Array(mc.memory.buffer, p, n)
  const load = (): readonly [Float32Array, Float32Array, Float32Array] => {
    const t = c.fresh()
    view(px).set(t[0])
    view(py).set(t[1])
    view(pz).set(t[2])
    return t
  }
  // Check the loop once: every element must be fl(fl(x·y) + z).
  const [x, y, z] = load()
  mc.fma(px, py, pz, po, n)
  const out = view(po)
  for (let i = 0; i < n; i++) {
    if (out[i] !== Math.fround(Math.fround(x[i]! * y[i]!) + z[i]!)) throw new Error(`wasm-loop: fma is wrong at ${i}`)
  }
  const run = (): Promise<number> => {
    load() // fresh operands into the memory, before the clock
    const t0 = performance.now()
    mc.fma(px, py, pz, po, n)
    return Promise.resolve(performance.now() - t0)
  }
  return Promise.resolve({ run, dispose: () => undefined })
}

const bernoulli = (c: MaskCase): Promise<MaskRun> => {
  const n = c.shape.reduce((s, d) => s * d, 1)
  if (n % 16 !== 0) throw new Unsupported(`wasm-loop: the mask loop needs a multiple of 16 elements, got ${n}`)
  if (!(c.p > 0 && c.p < 1)) throw new Unsupported('wasm-loop: p must be in (0, 1)')
  const mc = machine(n)
  const po = BASE
  const t = Math.fround(c.p) * 2 ** 23 // exact: a power-of-two scaling
  let i = 0
  const draw = ([k0, k1]: KeyWords): void => {
    mc.mask(k0 | 0, k1 | 0, po, n, t)
  }
  const run = (): Promise<number> => {
    const k = c.key(i++) // a fresh key per run, before the clock
    const t0 = performance.now()
    draw(k)
    return Promise.resolve(performance.now() - t0)
  }
  const mask = (k: KeyWords): Promise<Uint8Array> => {
    draw(k)
    return Promise.resolve(new Uint8Array(mc.memory.buffer, po, n).slice())
  }
  return Promise.resolve({ run, mask, dispose: () => undefined })
}

const only = (row: string): never => {
  throw new Unsupported(`wasm-loop is a bare loop for the elementwise and mask rows only, not ${row}`)
}

export const wasmLoop: Peer = {
  name: 'wasm-loop',
  matmul: () => Promise.resolve(only('matmul')),
  mlp: () => Promise.resolve(only('an MLP')),
  mlpDropout: () => Promise.resolve(only('an MLP')),
  elementwise,
  bernoulli,
}
