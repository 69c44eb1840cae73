/**
 * The builder behind the fuzzer's graph arbitraries (laws/fuzzDraw.ts): it
 * reads a node's choice numbers, tracks every value's shape and dtype with
 * the model (laws/fuzzModel.ts), and appends op applications. Every choice's
 * 0 is the canonical, valid one, so shrinking the choices toward 0 shrinks a
 * graph toward valid calls.
 * @internal
 * @module
 */
import type { DType } from '../src/core/dtype.js'
import type { Shape } from '../src/core/shape.js'
import { type ArgInfo, type FuzzOpName, expectation } from './fuzzModel.js'
import { type OpArg, type OpNode, sourceOf } from './fuzzGraph.js'

/** Contract graphs hold invalid calls on purpose; derivative graphs only valid, differentiable ones. */
export type Mode = 'contract' | 'diff'

// ------------------------------------------------------------ choices

const mix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Reads a node's choice numbers in turn (then hashes of them); every choice's "0" is the canonical one. */
export class Draw {
  private i = 0
  constructor(private readonly r: readonly number[]) {}
  int(n: number): number {
    const k = this.i++
    const v = k < this.r.length ? this.r[k]! : mix(this.r[k % this.r.length]! + k)
    return n <= 1 ? 0 : v % n
  }
  /** True about p% of the time, and for the choice 0. */
  likely(p: number): boolean {
    return this.int(100) < p
  }
  /** True about p% of the time, never for the choice 0. */
  rare(p: number): boolean {
    return this.int(100) >= 100 - p
  }
  pick<X>(xs: readonly X[]): X {
    return xs[this.int(xs.length)]!
  }
}

// ------------------------------------------------------------ the builder

export interface Val {
  readonly ref: number
  readonly shape: Shape
  readonly dtype: DType
  /** The values of an int32 constant (indices, labels), for the model's range checks. */
  readonly values?: readonly number[]
  /** Depends on an input (derivatives flow through it). */
  readonly live: boolean
}

export const HUGE = 2 ** 40
export const NUMBERS = [1, 2, 0, -1, 0.5, -0, 3.7, -2.5, NaN, Infinity, -Infinity, 2 ** 31, 1e-40, 65536]
const SAFE_NUMBERS = [0.5, 2, -1.5, 1, 3, -0.25]
export const BAD = [null, undefined, '1', true, [1, 2], {}]
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool']

export const sizeOf = (s: Shape): number => s.reduce((p, d) => p * d, 1)
export const broadcasts = (a: Shape, b: Shape): boolean => {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!
    const y = b[b.length - i]!
    if (x !== y && x !== 1 && y !== 1) return false
  }
  return true
}
export const ref = (v: Val): OpArg => ({ ref: v.ref })
export const lit = (value: unknown): OpArg => ({ lit: value })

export class Builder {
  readonly nodes: OpNode[] = []
  readonly vals: Val[] = []
  private readonly byRef = new Map<number, Val>()
  d = new Draw([0])
  constructor(readonly mode: Mode, readonly base: number) {}

  get diff(): boolean {
    return this.mode === 'diff'
  }

  add(v: Val): void {
    this.vals.push(v)
    this.byRef.set(v.ref, v)
  }

  info(a: OpArg): ArgInfo {
    if ('ref' in a) {
      const v = this.byRef.get(a.ref)!
      return { kind: 'tensor', shape: v.shape, dtype: v.dtype, values: v.values }
    }
    if ('refs' in a) return { kind: 'list', items: a.refs.map((r) => this.info({ ref: r })) }
    return { kind: 'lit', value: a.lit }
  }

  /** Appends `op(...args)`; the value it makes when the model says it makes one. In diff mode, an application the model rejects is dropped. */
  emit(op: FuzzOpName, args: readonly OpArg[]): Val | undefined {
    const e = expectation(op, args.map((a) => this.info(a)))
    if (this.diff && (e.result === undefined || e.error !== undefined)) return undefined
    const ref = this.base + this.nodes.length
    this.nodes.push({ op, args })
    if (e.result === undefined) return undefined
    const { shape, dtypes } = e.result
    const dtype = dtypes[0]!
    const live = dtype === 'float64' && args.some((a) => ('ref' in a ? this.byRef.get(a.ref)!.live : 'refs' in a && a.refs.some((r) => this.byRef.get(r)!.live)))
    // Values with huge dimensions end here: a kernel looping over them could run for hours.
    if (shape.some((d) => d > 2 ** 20)) return undefined
    const flat = (x: unknown): unknown[] => (Array.isArray(x) ? (x as unknown[]).flatMap(flat) : [x])
    const values = op === 'tensor' && dtype === 'int32' ? flat((args[0] as { lit: unknown }).lit).map(Number) : op === 'zeros' ? [] : undefined
    const v = { ref, shape, dtype, live, ...(values === undefined ? {} : { values }) }
    this.add(v)
    return v
  }

  pick(keep: (v: Val) => boolean = () => true): Val | undefined {
    const c = this.vals.filter(keep)
    return c.length === 0 ? undefined : c[this.d.int(c.length)]
  }

  /** The value an op is applied to: any value (contract), a float64 one that depends on the inputs when there is one (diff). */
  main(): Val | undefined {
    // The latest value half the time, so graphs are deep as well as wide.
    const latest = (keep: (v: Val) => boolean) => (this.d.likely(50) ? this.vals.filter(keep).pop() : undefined) ?? this.pick(keep)
    if (!this.diff) return latest(() => true)
    return this.d.likely(85) ? (latest((v) => v.live) ?? this.pick((v) => v.dtype === 'float64')) : this.pick((v) => v.dtype === 'float64')
  }

  float(keep: (v: Val) => boolean): Val | undefined {
    return this.pick((v) => (this.diff ? v.dtype === 'float64' : true) && keep(v))
  }

  /** A number operand, or (contract) a value that is neither a tensor nor a number. */
  odd(): OpArg {
    return lit(this.d.likely(55) ? this.d.pick(NUMBERS) : this.d.pick(BAD))
  }

  number(): OpArg {
    return lit(this.d.pick(this.diff ? SAFE_NUMBERS : NUMBERS))
  }

  /** A shape that broadcasts with `s`: some leading axes dropped and some dimensions made 1 — or, one time in three, larger: new leading axes, size-1 dimensions spread. */
  shapeLike(s: Shape): number[] {
    if (this.d.rare(33)) return [...Array.from({ length: this.d.int(2) }, () => 1 + this.d.int(3)), ...s.map((d) => (d === 1 && this.d.likely(60) ? this.d.int(4) : d))]
    const drop = this.d.likely(60) ? 0 : this.d.int(s.length + 1)
    return s.slice(drop).map((d) => (this.d.rare(25) ? 1 : d))
  }

  /** A small random shape. */
  smallShape(maxRank = 3, maxDim = 3): number[] {
    return Array.from({ length: this.d.int(maxRank + 1) }, () => this.d.int(maxDim + 1))
  }

  values(n: number, dtype: DType, lo = -2, hi = 2): number[] {
    return Array.from({ length: n }, () => {
      const u = this.d.int(1 << 16) / (1 << 16)
      if (dtype === 'bool') return u < 0.5 ? 0 : 1
      if (dtype === 'int32') return lo + Math.floor(u * (hi - lo + 1))
      const v = lo + u * (hi - lo)
      return dtype === 'float32' ? Math.fround(v) : v
    })
  }

  /** A new constant tensor (a `tensor(…)` or `zeros(…)` node). */
  constant(shape: Shape, dtype: DType, lo?: number, hi?: number): Val | undefined {
    const n = sourceOf(shape, dtype, this.values(sizeOf(shape), dtype, lo, hi))
    return this.emit(n.op, n.args)
  }

  /** A value that broadcasts with `x` (not x itself when there is another). */
  partner(x: Val): Val | undefined {
    return this.float((v) => v !== x && broadcasts(v.shape, x.shape)) ?? this.float((v) => broadcasts(v.shape, x.shape))
  }

  /** The other operand of a binary op on `x`: mostly a value or constant that broadcasts with it, sometimes a number; in contract mode also mismatched shapes and non-numbers. */
  operand(x: Val): OpArg {
    const r = this.d.int(100)
    if (this.diff) {
      const v = r < 60 ? this.partner(x) : r < 80 ? this.constant(this.shapeLike(x.shape), 'float64') : undefined
      return v === undefined ? this.number() : ref(v)
    }
    if (r < 60) return ref(this.partner(x) ?? x)
    if (r < 70) return ref(this.constant(this.shapeLike(x.shape), this.d.pick(DTYPES), -3, 5) ?? x)
    if (r < 84) return this.number()
    if (r < 94) return ref(this.pick() ?? x)
    return lit(this.d.pick(BAD))
  }

  /** `add(square(a), 0.5)` — at least 0.5 — for the domain of log, sqrt, div and pow. */
  positive(a: OpArg): OpArg {
    if ('lit' in a) return typeof a.lit === 'number' ? lit(Math.abs(a.lit) + 0.5) : a
    const sq = this.emit('square', [a])
    const v = sq && this.emit('add', [ref(sq), lit(0.5)])
    return v === undefined ? a : ref(v)
  }

  /** An axis of a rank-r tensor, negative half the time; in contract mode sometimes out of range. */
  axis(r: number): number {
    if (!this.diff && this.d.rare(10)) return this.d.pick([r, -r - 1, 0.5, r + 2])
    return r === 0 ? 0 : this.d.int(2 * r) - r
  }

  /** Reduction options: none, one axis, a list of axes; keepdims or not. */
  reduceOptions(r: number): object | undefined {
    const k = this.d.int(10)
    if (k < 2) return undefined
    const keepdims = this.d.pick([undefined, true, false])
    const axes = Array.from({ length: r }, (_, i) => i).filter(() => this.d.likely(50)).map((a) => (this.d.likely(50) ? a : a - r))
    if (!this.diff && this.d.rare(8)) axes.push(this.d.pick([axes[0] ?? 0, r, 1.5]))
    const axis = k < 4 ? undefined : k < 7 ? this.axis(r) : axes
    return { ...(axis === undefined ? {} : { axis }), ...(keepdims === undefined ? {} : { keepdims }) }
  }

  /** Int32 indices in [0, size) (in contract mode sometimes one out of range) of a small shape, empty when size is 0. */
  indices(size: number, shape = this.smallShape(2, 3)): Val | undefined {
    const s = size === 0 && !this.d.rare(20) ? [...shape, 0] : shape
    const vs = this.values(sizeOf(s), 'int32', 0, Math.max(size - 1, 0))
    if (!this.diff && vs.length > 0 && this.d.rare(15)) vs[this.d.int(vs.length)] = this.d.pick([-1, size])
    const n = sourceOf(s, 'int32', vs)
    return this.emit(n.op, n.args)
  }

  /** A permutation of r axes, drawn by Fisher–Yates. */
  permutation(r: number): number[] {
    const p = Array.from({ length: r }, (_, i) => i)
    for (let i = r - 1; i > 0; i--) {
      const j = this.d.int(i + 1)
      ;[p[i], p[j]] = [p[j]!, p[i]!]
    }
    return p
  }
}
