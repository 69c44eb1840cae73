/**
 * The fuzzer's float64 reference for the values of the ops whose values are
 * cheap to compute independently: elementwise ops (computed in double, then
 * rounded to the result's dtype), reductions, movement ops, matmul, oneHot,
 * the factories and a few composites. Exact where the op is exact (movement,
 * comparisons, max, int32 arithmetic with its wrap-around), within a few
 * units in the last place where it rounds. Plain arrays and index arithmetic
 * only: nothing here calls the library.
 * @internal
 * @module
 */
import type { DType } from '../src/core/dtype.js'
import { Tensor } from '../src/core/tensor.js'
import type { FuzzOpName } from './fuzzModel.js'

/** The expected values (undefined: not checked) and the error allowed for each. */
export interface Reference {
  readonly want: readonly (number | undefined)[]
  readonly tol: readonly number[]
}

interface Arr {
  readonly shape: readonly number[]
  readonly data: readonly number[]
  readonly dtype: DType
}

const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1)
const unravel = (i: number, s: readonly number[]): number[] => {
  const idx = new Array<number>(s.length)
  for (let k = s.length - 1; k >= 0; k--) {
    idx[k] = i % s[k]!
    i = Math.floor(i / s[k]!)
  }
  return idx
}
const ravel = (idx: readonly number[], s: readonly number[]): number => idx.reduce((acc, v, k) => acc * s[k]! + v, 0)

/** `a`'s values at every index of `out` under NumPy broadcasting. */
const spread = (a: Arr, out: readonly number[]): number[] => {
  const lead = out.length - a.shape.length
  return Array.from({ length: sizeOf(out) }, (_, i) => {
    const idx = unravel(i, out).slice(lead).map((v, k) => (a.shape[k] === 1 ? 0 : v))
    return a.data[ravel(idx, a.shape)]!
  })
}

const INT = (v: number) => v | 0
/** A double stored in a dtype (int32 wraps, as the int32 arithmetic of XLA and NumPy does). */
const store = (v: number, d: DType): number => (d === 'float64' ? v : d === 'float32' ? Math.fround(v) : d === 'int32' ? INT(v) : v !== 0 ? 1 : 0)
const ULP: Record<DType, number> = { float64: 2 ** -52, float32: 2 ** -23, int32: 0, bool: 0 }
const TINY: Record<DType, number> = { float64: 2 ** -1070, float32: 2 ** -148, int32: 0, bool: 0 }

const exact = (want: readonly (number | undefined)[]): Reference => ({ want, tol: want.map(() => 0) })
/** Correct to `ulps` units in the last place of the dtype, relative to `scale` (default |want|). */
const rounded = (want: readonly (number | undefined)[], d: DType, ulps: number, scale?: readonly number[]): Reference => ({
  want,
  tol: want.map((w, i) => ulps * ULP[d] * (scale?.[i] ?? Math.abs(w ?? 0)) + TINY[d]),
})

const arrOf = (x: unknown): Arr | undefined => {
  if (x instanceof Tensor) return { shape: x.shape, dtype: x.dtype, data: Array.from(x.toTypedArray()) }
  if (typeof x === 'number') return { shape: [], dtype: 'float64', data: [x] }
  return undefined
}
/** An operand converted to the dtype an op computes in. */
const as = (a: Arr, d: DType): Arr => ({ ...a, dtype: d, data: a.data.map((v) => store(v, d)) })
const finite = (a: Arr): boolean => a.data.every(Number.isFinite)

const UNARY: Partial<Record<FuzzOpName, (v: number) => number>> = {
  neg: (v) => -v, abs: Math.abs, sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : v), relu: (v) => (v > 0 ? v : Number.isNaN(v) ? v : 0),
  exp: Math.exp, log: Math.log, log1p: Math.log1p, sqrt: Math.sqrt, tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)), square: (v) => v * v,
}
const BINARY: Partial<Record<FuzzOpName, (a: number, b: number, d: DType) => number>> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b, d) => (d === 'int32' ? Math.imul(a, b) : a * b), div: (a, b) => a / b, pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  equal: (a, b) => +(a === b), notEqual: (a, b) => +(a !== b), less: (a, b) => +(a < b), lessEqual: (a, b) => +(a <= b), greater: (a, b) => +(a > b), greaterEqual: (a, b) => +(a >= b),
}
const COMPARE = new Set<FuzzOpName>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'])
const ORDER: readonly DType[] = ['bool', 'int32', 'float32', 'float64']
const isFloat = (d: DType) => d === 'float32' || d === 'float64'

/** The dtype two operands compute in (numbers are weak), as docs/tensors.md states it. */
const computeDtype = (a: unknown, b: unknown): DType | undefined => {
  const da = a instanceof Tensor ? a.dtype : undefined
  const db = b instanceof Tensor ? b.dtype : undefined
  if (da !== undefined && db !== undefined) return ORDER[Math.max(ORDER.indexOf(da), ORDER.indexOf(db))]
  const [d, v] = da !== undefined ? [da, b] : [db, a]
  if (d === undefined) return 'float32'
  if (typeof v !== 'number') return undefined
  return isFloat(d) ? d : Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 'int32' : undefined
}

/** Groups of flat input indices reduced together, in output order. */
const groups = (s: readonly number[], axes: readonly number[]): number[][] => {
  const keptShape = s.map((d, i) => (axes.includes(i) ? 1 : d))
  const out: number[][] = Array.from({ length: sizeOf(keptShape) }, () => [])
  for (let i = 0; i < sizeOf(s); i++) out[ravel(unravel(i, s).map((v, k) => (axes.includes(k) ? 0 : v)), keptShape)]!.push(i)
  return out
}
const axesOf = (o: unknown, r: number): number[] => {
  const axis = (o as { axis?: number | number[] } | undefined)?.axis
  const list = axis === undefined ? Array.from({ length: r }, (_, i) => i) : typeof axis === 'number' ? [axis] : axis
  return list.map((a) => (a < 0 ? a + r : a))
}

/** Neumaier's compensated sum and the sum of magnitudes. */
const sumOf = (xs: readonly number[]): { s: number; m: number } => {
  if (!xs.every(Number.isFinite)) return { s: xs.reduce((p, v) => p + v, 0), m: Infinity }
  let s = 0
  let c = 0
  let m = 0
  for (const x of xs) {
    const t = s + x
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s
    s = t
    m += Math.abs(x)
  }
  return { s: s + c, m }
}

/** The reference values of `op(...args)` whose result is `out`, or undefined when the op has none here. */
export const reference = (op: FuzzOpName, args: readonly unknown[], out: Tensor): Reference | undefined => {
  const d = out.dtype
  const x = arrOf(args[0])
  const u = UNARY[op]
  if (u !== undefined && x !== undefined) {
    const xs = as(x, isFloat(d) || op === 'square' ? d : x.dtype)
    const want = xs.data.map((v) => store(op === 'square' && d === 'int32' ? Math.imul(v, v) : u(v), d))
    return x.dtype === 'bool' && !isFloat(d) ? undefined : rounded(want, d, op === 'sigmoid' || op === 'tanh' ? 4 : 1)
  }
  const f = BINARY[op]
  if (f !== undefined) {
    const c = computeDtype(args[0], args[1])
    const y = arrOf(args[1])
    if (c === undefined || x === undefined || y === undefined) return undefined
    // Operands meet in c (a weak number becomes c), then compute in the result's dtype (comparisons: in c).
    const comp: DType = COMPARE.has(op) ? c : d
    const a = spread(as(as(x, c), comp), out.shape)
    const b = spread(as(as(y, c), comp), out.shape)
    return rounded(a.map((v, i) => store(f(v, b[i]!, comp), d)), d, op === 'pow' ? 2 : 1)
  }
  switch (op) {
    case 'where': {
      const c = arrOf(args[0])
      const [p, q] = [arrOf(args[1]), arrOf(args[2])]
      if (c === undefined || p === undefined || q === undefined) return undefined
      const cs = spread(c, out.shape)
      const ps = spread(as(p, d), out.shape)
      const qs = spread(as(q, d), out.shape)
      return exact(cs.map((v, i) => (v !== 0 ? ps[i]! : qs[i]!)))
    }
    case 'cast':
      // float → int32 is defined for values int32 can hold (truncation); NaN and overflow are not checked.
      return x && exact(x.data.map((v) => (d === 'int32' ? (Number.isFinite(v) && Math.abs(v) < 2 ** 31 ? Math.trunc(v) : undefined) : store(v, d))))
    case 'clip': {
      const [lo, hi] = [arrOf(args[1]), arrOf(args[2])]
      if (x === undefined || lo === undefined || hi === undefined || !isFloat(d)) return undefined
      // minimum(maximum(x, lo), hi), as JAX's clip: the first step computes in the dtype of x and lo.
      const d1 = computeDtype(args[0], args[1])
      if (d1 === undefined) return undefined
      const [xs, ls, hs] = [spread(as(x, d1), out.shape), spread(as(lo, d1), out.shape), spread(as(hi, d), out.shape)]
      return exact(xs.map((v, i) => BINARY.minimum!(store(BINARY.maximum!(v, ls[i]!, d1), d), hs[i]!, d)))
    }
    case 'sum': case 'mean': case 'max': case 'min': case 'norm': {
      if (x === undefined) return undefined
      const gs = groups(x.shape, axesOf(args[1], x.shape.length))
      const vs = as(x, x.dtype === 'bool' && op === 'sum' ? 'int32' : x.dtype).data
      if (gs.some((g) => g.length === 0) && (op === 'max' || op === 'min')) return undefined
      if (op === 'max' || op === 'min') return exact(gs.map((g) => g.map((i) => vs[i]!).reduce((p, v) => (Number.isNaN(p) || Number.isNaN(v) ? NaN : op === 'max' ? Math.max(p, v) : Math.min(p, v)))))
      if (op === 'norm') {
        // In double, scaled by the largest magnitude so that nothing underflows or overflows; integers are converted first.
        const want = gs.map((g) => {
          const xs = g.map((i) => store(vs[i]!, d))
          const m = Math.max(0, ...xs.map(Math.abs))
          return store(m === 0 || !Number.isFinite(m) ? m : m * Math.sqrt(sumOf(xs.map((v) => (v / m) ** 2)).s), d)
        })
        return rounded(want, d, 8)
      }
      const sums = gs.map((g) => sumOf(g.map((i) => vs[i]!)))
      const want = sums.map(({ s }, i) => store(op === 'sum' ? s : s / gs[i]!.length, d))
      return d === 'int32' ? exact(want) : rounded(want, d, op === 'sum' ? 1 : 4, sums.map(({ s, m }, i) => Math.abs(want[i]!) + (m + Math.abs(s)) * gs[i]!.length * 2 ** -52 / ULP[d]))
    }
    case 'argmax': case 'argmin': {
      if (x === undefined || x.shape.length === 0) return undefined
      // One axis, or the whole (flattened) tensor when none is given, as jnp.argmax.
      const r = x.shape.length
      const given = (args[1] as { axis?: number } | undefined)?.axis
      const axes = given === undefined ? Array.from({ length: r }, (_, i) => i) : [given < 0 ? given + r : given]
      return exact(groups(x.shape, axes).map((g) => {
        const vs = g.map((i) => x.data[i]!)
        if (vs.some(Number.isNaN)) return undefined
        const best = op === 'argmax' ? Math.max(...vs) : Math.min(...vs)
        return vs.indexOf(best)
      }))
    }
    case 'reshape': case 'expandDims': case 'squeeze': case 'stopGradient':
      return x && exact(x.data)
    case 'broadcastTo':
      return x && exact(spread(x, out.shape))
    case 'transpose': {
      if (x === undefined) return undefined
      const r = x.shape.length
      const perm = Array.isArray(args[1]) ? (args[1] as number[]).map((p) => (p < 0 ? p + r : p)) : Array.from({ length: r }, (_, i) => r - 1 - i)
      return exact(Array.from({ length: out.size }, (_, i) => {
        const idx = unravel(i, out.shape)
        const src = new Array<number>(r)
        perm.forEach((p, k) => (src[p] = idx[k]!))
        return x.data[ravel(src, x.shape)]
      }))
    }
    case 'slice': case 'pad': {
      if (x === undefined) return undefined
      const s = x.shape
      const begin = op === 'slice' ? (args[1] as number[]) : (args[1] as number[][]).map((p) => p[0]!)
      const pairs = op === 'pad' ? (args[1] as number[][]) : []
      const off = s.map((dim, k) => (op === 'slice' ? ((begin[k] ?? 0) < 0 ? begin[k]! + dim : (begin[k] ?? 0)) : -(pairs.length === 1 ? pairs[0]! : pairs[k]!)[0]!))
      return exact(Array.from({ length: out.size }, (_, i) => {
        const idx = unravel(i, out.shape).map((v, k) => v + off[k]!)
        return idx.every((v, k) => v >= 0 && v < s[k]!) ? x.data[ravel(idx, s)] : 0
      }))
    }
    case 'concat': {
      const xs = (args[0] as unknown[]).map(arrOf)
      if (xs.some((a) => a === undefined)) return undefined
      const r = out.rank
      const given = (args[1] as { axis?: number } | undefined)?.axis ?? 0
      const a = given < 0 ? given + r : given
      return exact(Array.from({ length: out.size }, (_, i) => {
        const idx = unravel(i, out.shape)
        let k = 0
        while (idx[a]! >= xs[k]!.shape[a]!) idx[a]! -= xs[k++]!.shape[a]!
        return store(xs[k]!.data[ravel(idx, xs[k]!.shape)]!, d)
      }))
    }
    case 'gather': {
      const idx = arrOf(args[1])
      if (x === undefined || idx === undefined) return undefined
      const given = (args[2] as { axis?: number } | undefined)?.axis
      // Without an axis, gather takes from the flattened tensor (jnp.take's default).
      if (given === undefined) return exact(Array.from(idx.data, (at) => x.data[at]))
      const r = x.shape.length
      const a = given < 0 ? given + r : given
      const ir = idx.shape.length
      return exact(Array.from({ length: out.size }, (_, i) => {
        const o = unravel(i, out.shape)
        const at = idx.data[ravel(o.slice(a, a + ir), idx.shape)]!
        return x.data[ravel([...o.slice(0, a), at, ...o.slice(a + ir)], x.shape)]
      }))
    }
    case 'matmul': {
      const y = arrOf(args[1])
      if (x === undefined || y === undefined || !(args[0] instanceof Tensor) || !(args[1] instanceof Tensor)) return undefined
      const o = (args[2] ?? {}) as { transposeA?: boolean; transposeB?: boolean }
      const A = as(x.shape.length === 1 ? { ...x, shape: [1, x.shape[0]!] } : x, d)
      const B = as(y.shape.length === 1 ? { ...y, shape: [y.shape[0]!, 1] } : y, d)
      const ta = x.shape.length > 1 && o.transposeA === true
      const tb = y.shape.length > 1 && o.transposeB === true
      const k = ta ? A.shape[A.shape.length - 2]! : A.shape[A.shape.length - 1]!
      // The result with the vector axes matmul drops put back as 1: [...batch, m, n].
      const [vx, vy] = [x.shape.length === 1, y.shape.length === 1]
      const lead = out.shape.slice(0, out.rank - (vx ? 0 : 1) - (vy ? 0 : 1))
      const full = [...lead, vx ? 1 : out.shape[out.rank - (vy ? 1 : 2)]!, vy ? 1 : out.shape[out.rank - 1]!]
      const entry = (M: Arr, b: readonly number[], i: number, j: number): number => {
        const lead = b.length - (M.shape.length - 2)
        const bi = b.slice(lead).map((v, q) => (M.shape[q] === 1 ? 0 : v))
        return M.data[ravel([...bi, i, j], M.shape)]!
      }
      const sums = Array.from({ length: sizeOf(full) }, (_, flat) => {
        const idx = unravel(flat, full)
        const b = idx.slice(0, -2)
        const [i, j] = idx.slice(-2) as [number, number]
        return sumOf(Array.from({ length: k }, (_, q) => (ta ? entry(A, b, q, i) : entry(A, b, i, q)) * (tb ? entry(B, b, j, q) : entry(B, b, q, j))))
      })
      const want = sums.map(({ s }) => store(s, d))
      return rounded(want, d, 2, sums.map(({ m }) => m * (k + 1)))
    }
    case 'oneHot': {
      const l = arrOf(args[0])
      const C = args[1] as number
      return l && exact(l.data.flatMap((v) => Array.from({ length: C }, (_, c) => +(v === c))))
    }
    case 'full': case 'scalar': {
      const v = Number(op === 'full' ? args[1] : args[0])
      return exact(Array.from({ length: out.size }, () => store(v, d)))
    }
    case 'zeros': case 'ones':
      return exact(Array.from({ length: out.size }, () => (op === 'ones' ? 1 : 0)))
    case 'tensor': {
      const leaves = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]).flatMap(leaves) : [v])
      return exact(leaves(args[0]).map((v) => store(typeof v === 'boolean' ? +v : (v as number), d)))
    }
    case 'eye': {
      const m = out.shape[1]!
      return exact(Array.from({ length: out.size }, (_, i) => +(Math.floor(i / m) === i % m)))
    }
    case 'softmax': case 'logSoftmax': case 'logSumExp': {
      if (x === undefined || !finite(x) || x.shape.length === 0) return undefined
      // softmax and logSoftmax over the last axis by default; logSumExp over all (as jax.nn).
      const r = x.shape.length
      const axes = axesOf(args[1] ?? (op === 'logSumExp' ? undefined : { axis: -1 }), r)
      const gs = groups(x.shape, axes)
      const vs = as(x, isFloat(x.dtype) ? x.dtype : 'float32').data
      const want = new Array<number>(op === 'logSumExp' ? gs.length : x.data.length)
      gs.forEach((g, gi) => {
        const m = Math.max(...g.map((i) => vs[i]!))
        const lse = m + Math.log(g.reduce((s, i) => s + Math.exp(vs[i]! - m), 0))
        if (op === 'logSumExp') want[gi] = store(lse, d)
        else for (const i of g) want[i] = store(op === 'softmax' ? Math.exp(vs[i]! - lse) : vs[i]! - lse, d)
      })
      // Composites round at every step: a relative error of ~2^6 units of the dtype (float32: 8e-6), against the values' scale.
      const scale = Math.max(1, ...vs.map(Math.abs))
      return rounded(want, d, 64, want.map((w) => Math.abs(w) + scale))
    }
  }
  return undefined
}
