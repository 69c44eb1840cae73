/**
 * How the fuzzer draws each op's arguments (laws/fuzzDraw.ts): mostly valid —
 * operands that broadcast, axes in range, matmul operands that fit, indices in
 * range — and, in contract graphs, a controlled share that is not: shapes that
 * do not broadcast, axes out of range, numbers where tensors belong, `null`,
 * bad dtypes, huge sizes. In derivative graphs the arguments of log, sqrt,
 * log1p, the denominator of div and the base of pow are kept ≥ 0.5
 * (`add(square(v), 0.5)`).
 * @internal
 * @module
 */
import type { Shape } from '../src/core/shape.js'
import { type FuzzOpName, expectation } from './fuzzModel.js'
import type { OpArg } from './fuzzGraph.js'
import { BAD, type Builder, DTYPES, HUGE, NUMBERS, type Val, broadcasts, lit, ref, sizeOf } from './fuzzBuilder.js'

// ------------------------------------------------------------ the ops

/** Appends one application of an op (and the constants and guards it needs) to a graph being built. */
export type Gen = (b: Builder) => void
const normAxis = (a: number, r: number) => (a < 0 ? a + r : a)

const unaryGen = (op: FuzzOpName): Gen => (b) => {
  const x = b.main()
  if (x === undefined) return
  if (!b.diff && b.d.rare(6)) return void b.emit(op, [b.odd()])
  const guard = b.diff && (op === 'log' || op === 'sqrt' || op === 'log1p')
  b.emit(op, [guard ? b.positive(ref(x)) : ref(x)])
}

const binaryGen = (op: FuzzOpName): Gen => (b) => {
  const x = b.main()
  if (x === undefined) return
  let [p, q] = [ref(x), b.operand(x)]
  if (b.d.rare(25)) [p, q] = [q, p]
  if (b.diff && op === 'div') q = b.positive(q)
  if (b.diff && op === 'pow') p = b.positive(p)
  b.emit(op, [p, q])
}

const condition = (b: Builder, x: Val): OpArg => {
  if (!b.diff) {
    if (b.d.rare(5)) return b.odd()
    return ref(b.pick((v) => v.dtype === 'bool' && (b.d.likely(70) ? broadcasts(v.shape, x.shape) : true)) ?? b.pick() ?? x)
  }
  const k = b.d.int(3)
  const old = k === 0 ? b.pick((v) => v.dtype === 'bool' && broadcasts(v.shape, x.shape)) : undefined
  const made = old ?? (k < 2 ? b.emit(b.d.pick(['less', 'greater'] as const), [ref(b.partner(x) ?? x), lit(b.d.pick([0, 0.5, -0.5]))]) : b.constant(b.shapeLike(x.shape), 'bool'))
  return made === undefined ? lit(true) : ref(made)
}

const whereGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const c = condition(b, x)
  // A constant branch (or condition) larger than the differentiated one sets the output's shape: where's JVP must broadcast.
  const k = b.diff && b.d.likely(40) ? b.constant(b.shapeLike(x.shape), 'float64') : undefined
  const y = k === undefined ? b.operand(x) : ref(k)
  b.emit('where', b.d.likely(50) ? [c, ref(x), y] : [c, y, ref(x)])
}

const castGen: Gen = (b) => {
  if (b.diff) {
    const x = b.pick((v) => v.dtype === 'bool' || v.dtype === 'int32')
    if (x !== undefined) b.emit('cast', [ref(x), lit('float64')])
    return
  }
  const x = b.main()
  if (x !== undefined) b.emit('cast', [ref(x), lit(b.d.rare(5) ? 'float16' : b.d.pick(DTYPES))])
}

const reduceGen = (op: FuzzOpName): Gen => (b) => {
  const x = b.main()
  if (x === undefined) return
  const o = b.reduceOptions(x.shape.length)
  b.emit(op, o === undefined ? [ref(x)] : [ref(x), lit(o)])
}

const argGen = (op: FuzzOpName): Gen => (b) => {
  const x = b.main()
  if (x !== undefined) b.emit(op, b.d.likely(30) ? [ref(x)] : [ref(x), lit(b.d.likely(30) ? { axis: b.axis(x.shape.length), keepdims: b.d.likely(50) } : { axis: b.axis(x.shape.length) })])
}

/** A shape that fits `x` as matmul's right operand (or left, `left`), with the flags. */
const matmulPartner = (b: Builder, x: Shape, left: boolean, ta: boolean, tb: boolean): number[] => {
  const r = x.length
  const n = b.d.int(4)
  // The inner dimension x contributes: its last axis (read transposed: second to last) on the left, the other way on the right.
  const k = r === 0 ? 2 : r === 1 ? x[0]! : left ? x[ta ? r - 2 : r - 1]! : x[tb ? r - 1 : r - 2]!
  const kind = b.d.int(3)
  if (kind === 0) return [k]
  const mat = left ? (tb ? [n, k] : [k, n]) : ta ? [k, n] : [n, k]
  return kind === 1 ? mat : [...b.shapeLike(x.slice(0, -2)), ...mat]
}

const matmulGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const ta = b.d.rare(35)
  const tb = b.d.rare(35)
  const opts = ta || tb ? [lit({ transposeA: ta, transposeB: tb })] : []
  const left = b.d.likely(70)
  const fits = (v: Val) => expectation('matmul', left ? [b.info(ref(x)), b.info(ref(v)), b.info(opts[0] ?? lit(undefined))] : [b.info(ref(v)), b.info(ref(x)), b.info(opts[0] ?? lit(undefined))]).result !== undefined
  const r = b.d.int(100)
  let y: OpArg | undefined
  if (b.diff || r < 75) {
    const old = b.d.likely(40) ? b.float(fits) : undefined
    const made = old ?? b.constant(matmulPartner(b, x.shape, left, ta, tb), b.diff ? 'float64' : b.d.likely(70) ? x.dtype : b.d.pick(DTYPES))
    y = made === undefined ? undefined : ref(made)
  } else y = r < 90 ? ref(b.pick() ?? x) : b.number()
  if (y !== undefined) b.emit('matmul', [...(left ? [ref(x), y] : [y, ref(x)]), ...opts])
}

const reshapeGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const s = x.shape
  const n = sizeOf(s)
  const i = b.d.int(Math.max(s.length, 1))
  const valid = [[n], [-1], [...s].reverse(), [1, ...s, 1], s.map((d, k) => (k === i ? -1 : d)), n % 2 === 0 && n > 0 ? [2, -1] : [n, 1]]
  const invalid = [[n + 1], [-1, -1], [-2, n], [1.5], n === 0 ? [HUGE, 0] : [HUGE, HUGE]]
  b.emit('reshape', [ref(x), lit(!b.diff && b.d.rare(15) ? b.d.pick(invalid) : b.d.pick(valid))])
}

const transposeGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const r = x.shape.length
  if (b.d.likely(25)) return void b.emit('transpose', [ref(x)])
  const p = b.permutation(r).map((a) => (b.d.rare(30) ? a - r : a))
  if (!b.diff && b.d.rare(12)) b.d.pick<() => void>([() => p.push(r), () => p.pop(), () => (p[0] = p[p.length - 1] ?? 0), () => p.push(0)])()
  b.emit('transpose', [ref(x), lit(p)])
}

const broadcastToGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const lead = Array.from({ length: b.d.int(3) }, () => b.d.int(4))
  const to = [...lead, ...x.shape.map((d) => (d === 1 && b.d.likely(50) ? b.d.int(4) : d))]
  if (!b.diff && b.d.rare(15) && to.length > 0) to[b.d.int(to.length)]! += 1
  if (!b.diff && b.d.rare(3)) to.unshift(HUGE)
  b.emit('broadcastTo', [ref(x), lit(to)])
}

const sumToGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const to = b.shapeLike(x.shape)
  if (!b.diff && b.d.rare(12)) to.unshift(2)
  b.emit('sumTo', [ref(x), lit(to)])
}

const sliceGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const s = x.shape
  const box = s.map((d) => {
    const [p, q] = [b.d.int(d + 1), b.d.int(d + 1)]
    const [lo, hi] = [Math.min(p, q), Math.max(p, q)]
    return [lo > 0 && b.d.rare(30) ? lo - d : lo, hi < d && b.d.rare(30) ? hi - d : hi] as const
  })
  const keep = s.length - (b.d.likely(70) ? 0 : b.d.int(s.length + 1))
  const begin = box.slice(0, keep).map(([lo]) => lo)
  const end = box.slice(0, keep).map(([, hi]) => hi)
  if (!b.diff && b.d.rare(15)) b.d.pick<() => void>([() => begin.push(0), () => (end[0] = (s[0] ?? 0) + 1), () => (begin[0] = 1.5), () => ((begin[0] = 1), (end[0] = 0))])()
  b.emit('slice', b.d.likely(30) && box.every(([, hi], k) => hi === s[k]) ? [ref(x), lit(begin)] : [ref(x), lit(begin), lit(end)])
}

const padGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const before = x.shape.map(() => b.d.int(3))
  const after = x.shape.map(() => b.d.int(3))
  if (!b.diff && b.d.rare(12)) b.d.pick<() => void>([() => before.push(1), () => (after[0] = -1), () => (before[0] = 1.5)])()
  if (!b.diff && b.d.rare(3) && after.length > 0) after[0] = HUGE
  const pairs = before.map((v, i) => [v, after[i] ?? 0])
  if (after.length > before.length) pairs.push([0, after.at(-1)!])
  b.emit('pad', [ref(x), lit(pairs)])
}

const concatGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const r = x.shape.length
  const axis = b.axis(r)
  const a = normAxis(axis, r)
  if (!b.diff && b.d.rare(4)) return void b.emit('concat', [lit([]), lit({ axis })])
  const items = [x]
  for (let i = b.d.int(3); i > 0; i--) {
    const k = b.d.int(100)
    const fits = (v: Val) => v.shape.length === r && v.shape.every((d, j) => j === a || d === x.shape[j])
    const v = b.diff || k < 70
      ? (b.d.likely(40) ? b.float(fits) : undefined) ?? b.constant(x.shape.map((d, j) => (j === a ? b.d.int(3) : d)), b.diff ? 'float64' : b.d.likely(60) ? x.dtype : b.d.pick(DTYPES))
      : k < 85 ? b.pick() : x
    if (v !== undefined) items.push(v)
  }
  b.emit('concat', b.d.likely(25) && axis === 0 ? [{ refs: items.map((v) => v.ref) }] : [{ refs: items.map((v) => v.ref) }, lit({ axis })])
}

const gatherGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const r = x.shape.length
  // Without an axis, gather takes from the flattened tensor (jnp.take's default).
  const omit = b.d.likely(30)
  const axis = omit ? 0 : b.axis(r)
  const size = omit ? x.shape.reduce((n, d) => n * d, 1) : x.shape[normAxis(axis, r)] ?? 0
  const k = b.d.int(100)
  const idx = b.diff && k < 30 && size > 0 && !omit ? b.emit('argmax', [ref(x), lit({ axis })])
    : b.diff || k < 75 ? b.indices(size)
    : k < 90 ? b.pick((v) => v.dtype === 'int32') : b.pick()
  if (idx !== undefined) b.emit('gather', omit ? [ref(x), ref(idx)] : [ref(x), ref(idx), lit({ axis })])
}

const scatterAddGen: Gen = (b) => {
  const u = b.main()
  if (u === undefined) return
  const r = u.shape.length
  const axis = b.d.int(r + 1)
  const ir = b.d.int(Math.min(2, r - axis) + 1)
  const size = 1 + b.d.int(4)
  const idx = b.indices(size, u.shape.slice(axis, axis + ir))
  if (idx === undefined) return
  const bad = !b.diff && b.d.rare(10)
  b.emit('scatterAdd', [ref(u), ref(idx), lit({ axis: bad ? b.d.pick([axis, r + 1, -1]) : axis, size: bad ? b.d.pick([-1, 1.5, size]) : size })])
}

const expandDimsGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const r = x.shape.length
  b.emit('expandDims', [ref(x), lit({ axis: !b.diff && b.d.rare(10) ? b.d.pick([r + 1, -r - 2]) : b.d.likely(20) ? [0, -1] : b.d.int(2 * r + 2) - (r + 1) })])
}

const squeezeGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const r = x.shape.length
  const ones = x.shape.flatMap((d, i) => (d === 1 ? [b.d.likely(50) ? i : i - r] : []))
  if (b.d.likely(40)) return void b.emit('squeeze', [ref(x)])
  const axes = ones.filter(() => b.d.likely(60))
  if (!b.diff && b.d.rare(15)) axes.push(b.d.pick([b.d.int(r + 1), r, ones[0] ?? 0]))
  b.emit('squeeze', [ref(x), lit({ axis: axes.length === 1 && b.d.likely(50) ? axes[0] : axes })])
}

const softmaxGen = (op: FuzzOpName): Gen => (b) => {
  const x = b.main()
  if (x !== undefined) b.emit(op, b.d.likely(40) ? [ref(x)] : [ref(x), lit({ axis: b.axis(x.shape.length) })])
}

const logSumExpGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const o = b.reduceOptions(x.shape.length)
  b.emit('logSumExp', o === undefined ? [ref(x)] : [ref(x), lit(o)])
}

const oneHotGen: Gen = (b) => {
  const classes = !b.diff && b.d.rare(8) ? b.d.pick([-1, 2.5, NaN, HUGE]) : b.d.int(5)
  const k = b.d.int(100)
  const src = b.diff ? b.pick((v) => v.dtype === 'float64' && v.shape.length > 0 && v.shape[v.shape.length - 1]! <= classes && v.shape[v.shape.length - 1]! > 0) : undefined
  const labels = src !== undefined && k < 40 ? b.emit('argmax', [ref(src), lit({ axis: -1 })])
    : b.diff || k < 70 ? b.indices(Math.max(classes, 0) + (b.diff ? 0 : 1))
    : k < 85 ? b.pick((v) => v.dtype === 'int32') : b.pick()
  if (labels === undefined) return
  const dtype = b.diff ? 'float64' : b.d.pick([undefined, 'float32', 'float64'])
  b.emit('oneHot', dtype === undefined ? [ref(labels), lit(classes)] : [ref(labels), lit(classes), lit(dtype)])
}

const crossEntropyGen: Gen = (b) => {
  const x = b.main()
  if (x === undefined) return
  const s = x.shape
  const C = s[s.length - 1] ?? 0
  const k = b.d.int(100)
  let labels: Val | undefined
  if (k < 55) {
    const l = b.indices(C, s.slice(0, -1))
    labels = l
  } else if (k < 85 || b.diff) {
    const same = b.diff && b.d.likely(50) ? b.float((v) => v !== x && v.live && v.shape.length === s.length && v.shape.every((d, i) => d === s[i])) : undefined
    labels = same !== undefined ? b.emit('softmax', [ref(same)]) : b.constant(s, b.diff ? 'float64' : b.d.pick(['float32', 'float64', 'bool'] as const), 0, 1)
  } else labels = b.pick()
  if (labels !== undefined) b.emit('softmaxCrossEntropy', [ref(x), ref(labels)])
}

const mseGen: Gen = (b) => {
  const x = b.main()
  if (x !== undefined) b.emit('mse', [ref(x), b.operand(x)])
}

const clipGen: Gen = (b) => {
  const x = b.main()
  if (x !== undefined) b.emit('clip', [ref(x), b.operand(x), b.operand(x)])
}

const sameGen = (op: FuzzOpName): Gen => (b) => {
  const x = b.main()
  if (x !== undefined) b.emit(op, [!b.diff && b.d.rare(5) ? b.odd() : ref(x)])
}

// Factories (contract graphs only): shapes, values and dtypes, some of which they must refuse.
const dtypeLit = (b: Builder, fallback = true): string | undefined =>
  b.d.rare(5) ? b.d.pick(['float16', 'int64']) : fallback && b.d.likely(25) ? undefined : b.d.pick(DTYPES)
const factoryShape = (b: Builder): unknown[] =>
  b.d.rare(6) ? b.d.pick<unknown[]>([[HUGE, 3], [0, HUGE], [-1], [1.5, 2], [2 ** 20, 2 ** 20]]) : b.smallShape()
const withDtype = (b: Builder, args: OpArg[]): OpArg[] => {
  const d = dtypeLit(b)
  return d === undefined ? args : [...args, lit(d)]
}

const tensorGen: Gen = (b) => {
  const s = b.smallShape(3, 3).map((d) => Math.max(d, 1))
  const dtype = dtypeLit(b)
  const vs: unknown[] = b.values(sizeOf(s), dtype === 'int32' || dtype === 'bool' ? 'int32' : 'float64', -1, 3)
  if (vs.length > 0 && b.d.rare(20)) vs[b.d.int(vs.length)] = b.d.pick([0.5, 2, NaN, 2 ** 31, true, 'x'])
  const nest = (v: unknown[], sh: number[]): unknown => (sh.length === 0 ? v[0] : Array.from({ length: sh[0]! }, (_, i) => nest(v.slice((i * v.length) / sh[0]!, ((i + 1) * v.length) / sh[0]!), sh.slice(1))))
  let value = nest(dtype === 'bool' && b.d.likely(70) ? vs.map((v) => v !== 0) : vs, s)
  if (b.d.rare(5)) value = [[1, 2], [3]]
  b.emit('tensor', dtype === undefined ? [lit(value)] : [lit(value), lit(dtype)])
}

const fullGen: Gen = (b) => {
  b.emit('full', withDtype(b, [lit(factoryShape(b)), lit(b.d.rare(5) ? b.d.pick(BAD) : b.d.pick(NUMBERS))]))
}
const filledGen = (op: FuzzOpName): Gen => (b) => {
  b.emit(op, withDtype(b, [lit(factoryShape(b))]))
}
const scalarGen: Gen = (b) => {
  b.emit('scalar', withDtype(b, [lit(b.d.pick(NUMBERS))]))
}
const arangeGen: Gen = (b) => {
  const n = () => (b.d.rare(8) ? b.d.pick([0, NaN, HUGE, -Infinity]) : b.d.pick([0, 1, 2, 3, 5, -2, 0.5, 2.5]))
  const args = [n(), n(), n()].slice(0, 1 + b.d.int(3)).map(lit)
  b.emit('arange', args.length === 3 ? withDtype(b, args) : args)
}
const linspaceGen: Gen = (b) => {
  const num = b.d.rare(8) ? b.d.pick([-1, 2.5, HUGE]) : b.d.int(5)
  b.emit('linspace', withDtype(b, [lit(b.d.pick([0, 1, -2.5])), lit(b.d.pick([1, 3, 0.5])), lit(num)]))
}
const eyeGen: Gen = (b) => {
  const n = () => (b.d.rare(8) ? b.d.pick([-1, 2.5, HUGE]) : b.d.int(4))
  b.emit('eye', b.d.likely(40) ? [lit(n())] : withDtype(b, [lit(n()), lit(n())]))
}


/** Each op's way of choosing its arguments and emitting itself. */
export const generators: Readonly<Record<FuzzOpName, Gen>> = {
  tensor: tensorGen, full: fullGen, zeros: filledGen('zeros'), ones: filledGen('ones'), scalar: scalarGen, arange: arangeGen, linspace: linspaceGen, eye: eyeGen,
  neg: unaryGen('neg'), abs: unaryGen('abs'), sign: unaryGen('sign'), relu: unaryGen('relu'),
  exp: unaryGen('exp'), log: unaryGen('log'), log1p: unaryGen('log1p'), sqrt: unaryGen('sqrt'), tanh: unaryGen('tanh'), sigmoid: unaryGen('sigmoid'),
  square: sameGen('square'), stopGradient: sameGen('stopGradient'),
  add: binaryGen('add'), sub: binaryGen('sub'), mul: binaryGen('mul'), maximum: binaryGen('maximum'), minimum: binaryGen('minimum'), div: binaryGen('div'), pow: binaryGen('pow'),
  equal: binaryGen('equal'), notEqual: binaryGen('notEqual'), less: binaryGen('less'), lessEqual: binaryGen('lessEqual'), greater: binaryGen('greater'), greaterEqual: binaryGen('greaterEqual'),
  where: whereGen, cast: castGen,
  sum: reduceGen('sum'), max: reduceGen('max'), min: reduceGen('min'), mean: reduceGen('mean'), norm: reduceGen('norm'), argmax: argGen('argmax'), argmin: argGen('argmin'),
  matmul: matmulGen, reshape: reshapeGen, transpose: transposeGen, broadcastTo: broadcastToGen, sumTo: sumToGen, slice: sliceGen, pad: padGen,
  concat: concatGen, gather: gatherGen, scatterAdd: scatterAddGen, expandDims: expandDimsGen, squeeze: squeezeGen,
  softmax: softmaxGen('softmax'), logSoftmax: softmaxGen('logSoftmax'), logSumExp: logSumExpGen, oneHot: oneHotGen, softmaxCrossEntropy: crossEntropyGen, mse: mseGen, clip: clipGen,
}
