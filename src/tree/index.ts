/**
 * Parameter trees: nested records and arrays whose leaves are tensors, like
 * JAX's pytrees. A tree's *structure* is everything but its leaves; leaves are
 * visited in a fixed order — arrays by index, records by their own key order
 * (the order `Object.keys` gives) — so a gradient comes back with the same
 * structure and key order as the parameters.
 *
 * Records are plain objects: object literals, or prototype-less dictionaries
 * (`Object.create(null)`, which fast-check's `fc.record` can draw); rebuilt
 * trees are object literals.
 *
 * Data-last combinators (`map(f)(tree)`) compose with `pipe`.
 *
 * @module
 */
import { describe as describeValue } from '../core/check.js'
import type { Aval } from '../core/aval.js'
import { isDType } from '../core/dtype.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { shapeEq } from '../core/shape.js'
import { Tensor, full } from '../core/tensor.js'

/** A tensor, or an array or record of trees. Functions that take trees are generic over {@link TreeLike}, so interfaces work as parameter types too. @since 0.1.0 */
export type Tree = Tensor | readonly Tree[] | { readonly [key: string]: Tree }

/**
 * `P` checked to be a tree: the constraint of every function that takes one
 * (`grad`, `vjp`, `tree.map`, `optim.applyUpdates`, …). Unlike {@link Tree}
 * it also admits interfaces: TypeScript gives an `interface Params { w:
 * Tensor; b: Tensor }` no index signature, so it is not a `Tree`, but it is a
 * `TreeLike<Params>` because each of its properties is a tree. A property
 * that is not (a number, a function) makes the call a type error that names it.
 * @example
 * import { grad, mul, sum, tensor, type Tensor, type tree } from 'grad-ts'
 * interface Params { w: Tensor; b: Tensor }
 * const loss = (p: Params) => sum(mul(p.w, p.b))
 * const g: Params = grad(loss)({ w: tensor([1, 2]), b: tensor([3, 4]) })
 * const ok: tree.TreeLike<Params> = g
 * console.assert(g.w.toTypedArray().join() === '3,4' && ok === g)
 * @since 0.2.0
 */
export type TreeLike<P> = Tree | {
  readonly [K in keyof P]: P[K] extends Tree ? P[K] : P[K] extends (...args: never[]) => unknown ? never : P[K] extends object ? TreeLike<P[K]> : never
}
/** Any value a tree function accepts (checked at run time): what `TreeLike<P>` admits for some `P`. @internal */
export type AnyTree = object


/** A tree of the same structure as `T` whose leaves are `L`. @since 0.1.0 */
export type MapLeaves<T, L> = T extends Tensor
  ? L
  : T extends readonly unknown[]
    ? { readonly [K in keyof T]: MapLeaves<T[K], L> }
    : { readonly [K in keyof T]: MapLeaves<T[K], L> }

/** A leaf with its path (`"layers.0.w"`; `""` for a lone tensor). @since 0.1.0 */
export interface Leaf {
  readonly path: string
  readonly value: Tensor
}

// A plain record: an object literal, or a prototype-less dictionary (`Object.create(null)`; `fc.record` draws some).
const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Tensor) return false
  const proto: unknown = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

const join = (prefix: string, key: string | number): string => (prefix === '' ? String(key) : `${prefix}.${String(key)}`)

const isTensor = (t: unknown): t is Tensor => t instanceof Tensor

/**
 * A `{ shape, dtype }` record: the leaf of an aval tree (`evalShape`, `trace`).
 * @internal
 */
export const isAvalRecord = (t: unknown): t is Aval => {
  if (!isRecord(t)) return false
  const keys = Object.keys(t)
  return keys.length === 2 && keys.includes('shape') && keys.includes('dtype') && Array.isArray(t.shape) && isDType(t.dtype)
}

/** A tensor or an aval record: the leaves of the trees `evalShape` and `trace` take. @internal */
export const isAbstractLeaf = (t: unknown): t is Tensor | Aval => t instanceof Tensor || isAvalRecord(t)

const visit = <L>(t: unknown, path: string, out: { path: string; value: L }[], op: string, isLeaf: (t: unknown) => t is L): void => {
  if (isLeaf(t)) out.push({ path, value: t })
  else if (Array.isArray(t)) (t as readonly unknown[]).forEach((c, i) => { visit(c, join(path, i), out, op, isLeaf) })
  else if (isRecord(t)) for (const k of Object.keys(t)) visit(t[k], join(path, k), out, op, isLeaf)
  else throw new TensorError(op, `${path === '' ? 'the tree' : path} is not a tensor, array or plain record (got ${describeValue(t)})`)
}

/**
 * The leaves of a tree in order, each with its path.
 *
 * @example
 * import { tree, zeros } from 'grad-ts'
 * const leaves = tree.flatten({ layers: [{ w: zeros([2, 2]), b: zeros([2]) }] })
 * console.assert(leaves.map((l) => l.path).join() === 'layers.0.w,layers.0.b')
 * @since 0.1.0
 */
export const flatten = <T extends TreeLike<T>>(t: T): readonly Leaf[] => flattenAs('tree.flatten', t)

/** `flatten`, with a malformed tree reported under the name of the function the user called (`grad`, `vjp`, …). @internal */
export const flattenAs = (op: string, t: AnyTree): readonly Leaf[] => flattenWith(op, t, isTensor)

/** The leaves of a tree whose leaves are what `isLeaf` says (tensors, or tensors and avals), each with its path. @internal */
export const flattenWith = <L>(op: string, t: unknown, isLeaf: (t: unknown) => t is L): readonly { readonly path: string; readonly value: L }[] => {
  const out: { path: string; value: L }[] = []
  visit(t, '', out, op, isLeaf)
  return out
}

/**
 * The leaves of a tree in order, without paths.
 *
 * @example
 * import { tree, ones } from 'grad-ts'
 * console.assert(tree.leaves([ones([1]), { a: ones([2]) }]).length === 2)
 * @since 0.1.0
 */
export const leaves = <T extends TreeLike<T>>(t: T): readonly Tensor[] => flatten(t).map((l) => l.value)

/**
 * Rebuilds a tree of the structure of `like` from leaves in flatten order.
 * Too few or too many leaves is an error.
 *
 * @example
 * import { tree, ones, zeros } from 'grad-ts'
 * const like = { w: ones([2]), b: ones([1]) }
 * const t = tree.unflatten(like, [zeros([2]), zeros([1])])
 * console.assert(t.w.size === 2 && t.b.size === 1)
 * @since 0.1.0
 */
export const unflatten = <T extends TreeLike<T>, L = Tensor>(like: T, values: readonly L[]): MapLeaves<T, L> => rebuild(like, values) as MapLeaves<T, L>

/** `unflatten` without the type-level mapping, for generic callers. @internal */
export const rebuild = (like: AnyTree, values: readonly unknown[], isLeaf: (t: unknown) => boolean = isTensor): unknown => {
  let i = 0
  const build = (t: unknown, path: string): unknown => {
    if (isLeaf(t)) {
      if (i >= values.length) throw new TensorError('tree.unflatten', `ran out of leaves at ${path === '' ? 'the root' : path}: got ${values.length}`)
      return values[i++]
    }
    if (Array.isArray(t)) return (t as readonly unknown[]).map((c, k) => build(c, join(path, k)))
    if (isRecord(t)) {
      const o: Record<string, unknown> = {}
      // defineProperty, not `o[k] =`: a key named `__proto__` stays a key instead of setting the prototype.
      for (const k of Object.keys(t)) Object.defineProperty(o, k, { value: build(t[k], join(path, k)), enumerable: true, writable: true, configurable: true })
      return o
    }
    throw new TensorError('tree.unflatten', `${path === '' ? 'the tree' : path} is not a tensor, array or plain record`)
  }
  const out = build(like, '')
  if (i !== values.length) throw new TensorError('tree.unflatten', `the tree has ${i} leaves, got ${values.length} values`)
  return out
}

/**
 * Applies `f(leaf, path)` to every leaf, keeping the structure: JAX's
 * `jax.tree_util.tree_map`, and with the path `tree_map_with_path` (the leaf
 * first here, and the path as this module writes it, `"layers.0.w"`, `""`
 * for a lone tensor, instead of JAX's tuple of keys).
 *
 * @example
 * import { tree, ones, mul } from 'grad-ts'
 * const halved = tree.map((x) => mul(x, 0.5))({ w: ones([2]) })
 * console.assert(halved.w.toTypedArray()[0] === 0.5)
 * const p = { layers: [{ w: ones([2]), b: ones([2]) }] }
 * const q = tree.map((x, path) => (path.endsWith('.w') ? mul(x, 2) : x))(p)
 * console.assert(q.layers[0]!.w.toTypedArray().join() === '2,2' && q.layers[0]!.b.toTypedArray().join() === '1,1')
 * @since 0.1.0
 */
export const map =
  (f: (leaf: Tensor, path: string) => Tensor) =>
  <T extends TreeLike<T>>(t: T): T =>
    rebuild(t, flattenAs('tree.map', t).map((l) => f(l.value, l.path))) as T

/**
 * A tree of the structure of `t` whose leaves are zeros of each leaf's
 * shape and dtype: optax's `tree.zeros_like` (`jax.tree.map(jnp.zeros_like, t)`).
 * The result has the type of `t`. Why: the initial state of optimizer
 * moments, accumulators of gradients.
 *
 * @example
 * import { tree, ones } from 'grad-ts'
 * const z = tree.zerosLike({ w: ones([2, 3], 'float64'), b: ones([3]) })
 * console.assert(z.w.dtype === 'float64' && z.w.shape.join() === '2,3' && z.b.toTypedArray().join() === '0,0,0')
 * @since 0.2.0
 */
export const zerosLike = <T extends TreeLike<T>>(t: T): T => fullLikeAs('tree.zerosLike', t, 0)

/**
 * A tree of the structure of `t` filled with `value`, each leaf with its
 * own shape and dtype (optax's `tree.full_like`). @internal
 */
export const fullLikeAs = <T extends TreeLike<T>>(op: string, t: T, value: number): T =>
  rebuild(t, flattenAs(op, t).map((l) => fullOf(l.value, value))) as T

const fullOf = (x: Tensor, value: number): Tensor => full(x.shape, value, x.dtype)

/**
 * Where two trees first differ in structure: the path of the node (as
 * `flatten` writes paths, `''` for the root) and what each tree has there.
 * @internal
 */
export interface StructureDifference {
  readonly path: string
  /** What the first tree has at `path`: `a tensor`, `an array of 2`, `a record with keys "w", "b"`. */
  readonly first: string
  /** What the second tree has at `path`. */
  readonly second: string
}

const SHOWN_KEYS = 8

const describe = (t: unknown): string => {
  if (t instanceof Tensor) return 'a tensor'
  if (Array.isArray(t)) return `an array of ${t.length}`
  if (isRecord(t)) {
    const keys = Object.keys(t)
    if (keys.length === 0) return 'an empty record'
    const shown = keys.slice(0, SHOWN_KEYS).map((k) => JSON.stringify(k))
    if (keys.length > SHOWN_KEYS) shown.push(`… (${keys.length} keys)`)
    return `a record with ${keys.length === 1 ? 'key' : 'keys'} ${shown.join(', ')}`
  }
  return t === null ? 'null' : `a ${typeof t}`
}

const kindOf = (t: unknown): string => (t instanceof Tensor ? 'tensor' : Array.isArray(t) ? 'array' : isRecord(t) ? 'record' : 'other')

/**
 * The first structural difference between two trees, or undefined when they
 * have one structure: the same kind of node everywhere (tensor, array,
 * record), arrays of the same lengths, records with the same keys in the
 * same order. Leaves are not compared. This compares the trees themselves,
 * never their printed paths, so `{ 'a.b': x }` and `{ a: { b: x } }` differ.
 * The one structure check of grad-ts: `zipWith` and the optimizers use it.
 * @internal
 */
export const structureDifference = (a: AnyTree, b: AnyTree): StructureDifference | undefined => {
  const go = (x: unknown, y: unknown, path: string): StructureDifference | undefined => {
    const kind = kindOf(x)
    const here = { path, first: describe(x), second: describe(y) }
    if (kind !== kindOf(y) || kind === 'other') return here
    if (kind === 'tensor') return undefined
    if (kind === 'array') {
      const xs = x as readonly unknown[]
      const ys = y as readonly unknown[]
      if (xs.length !== ys.length) return here
      for (let i = 0; i < xs.length; i++) {
        const d = go(xs[i], ys[i], join(path, i))
        if (d !== undefined) return d
      }
      return undefined
    }
    const rx = x as Readonly<Record<string, unknown>>
    const ry = y as Readonly<Record<string, unknown>>
    const kx = Object.keys(rx)
    const ky = Object.keys(ry)
    if (kx.length !== ky.length || kx.some((k, i) => k !== ky[i])) return here
    for (const k of kx) {
      const d = go(rx[k], ry[k], join(path, k))
      if (d !== undefined) return d
    }
    return undefined
  }
  return go(a, b, '')
}

/**
 * The leaves of trees that must have one structure and, leaf by leaf, the
 * shape and dtype of the first tree's leaf (tangents of primals, cotangents
 * of outputs, updates of parameters). A mismatch is a TensorError naming the
 * op, the path and both sides, with the trees called `names`.
 * @internal
 */
export const alignedLeaves = (op: string, names: readonly string[], trees: readonly AnyTree[]): readonly (readonly Leaf[])[] => {
  const flat = trees.map((t) => flattenAs(op, t))
  const first = flat[0]!
  flat.slice(1).forEach((ls, k) => {
    const name = names[k + 1]!
    const d = structureDifference(trees[0]!, trees[k + 1]!)
    if (d !== undefined) throw new TensorError(op, `${name} and ${names[0]!} differ in structure at ${d.path === '' ? 'the root' : d.path}: ${name} is ${d.second}, ${names[0]!} is ${d.first}`)
    ls.forEach((l, i) => {
      const a = first[i]!
      if (!shapeEq(l.value.shape, a.value.shape) || l.value.dtype !== a.value.dtype) {
        throw new TensorError(op, `${a.path || '(root)'}: ${name} is ${l.value.dtype}${fmtShape(l.value.shape)}, ${names[0]!} is ${a.value.dtype}${fmtShape(a.value.shape)}`)
      }
    })
  })
  return flat
}

/**
 * Combines two trees of the same structure leaf by leaf. Trees of different
 * structure (kinds of node, record keys and their order, array lengths) are
 * an error naming the first difference.
 *
 * @example
 * import { tree, ones, add } from 'grad-ts'
 * const s = tree.zipWith(add)({ w: ones([2]) }, { w: ones([2]) })
 * console.assert(s.w.toTypedArray()[1] === 2)
 * let message = ''
 * try { tree.zipWith(add)({ 'a.b': ones([1]) }, { a: { b: ones([1]) } }) } catch (e) { message = (e as Error).message }
 * console.assert(message === 'tree.zipWith: the trees differ in structure at the root: the first is a record with key "a.b", the second a record with key "a"')
 * @since 0.1.0
 */
export const zipWith =
  (f: (a: Tensor, b: Tensor, path: string) => Tensor) =>
  <T extends TreeLike<T>>(a: T, b: T): T => {
    const la = flatten(a)
    const lb = flatten(b)
    const d = structureDifference(a, b)
    if (d !== undefined) throw new TensorError('tree.zipWith', `the trees differ in structure at ${d.path === '' ? 'the root' : d.path}: the first is ${d.first}, the second ${d.second}`)
    return rebuild(a, la.map((l, i) => f(l.value, lb[i]!.value, l.path))) as T
  }

/**
 * Number of leaves, or with `'elements'` the total number of tensor elements.
 *
 * @example
 * import { tree, zeros } from 'grad-ts'
 * const p = { w: zeros([3, 4]), b: zeros([4]) }
 * console.assert(tree.count(p) === 2 && tree.count(p, 'elements') === 16)
 * @since 0.1.0
 */
export const count = <T extends TreeLike<T>>(t: T, what: 'leaves' | 'elements' = 'leaves'): number =>
  what === 'leaves' ? flatten(t).length : flatten(t).reduce((n, l) => n + l.value.size, 0)

/**
 * The leaf at a path, or `undefined`.
 *
 * @example
 * import { tree, zeros } from 'grad-ts'
 * console.assert(tree.get('layers.0.w')({ layers: [{ w: zeros([5]) }] })?.size === 5)
 * @since 0.1.0
 */
export const get =
  (path: string) =>
  <T extends TreeLike<T>>(t: T): Tensor | undefined =>
    flatten(t).find((l) => l.path === path)?.value

/**
 * Applies `f` only to the leaves whose path satisfies `select` (a predicate or
 * a regular expression); others pass through unchanged.
 *
 * @example
 * import { tree, ones, mul } from 'grad-ts'
 * const p = { w: ones([2]), b: ones([2]) }
 * const q = tree.mapWhere(/(^|\.)w$/, (x) => mul(x, 3))(p)
 * console.assert(q.w.toTypedArray()[0] === 3 && q.b.toTypedArray()[0] === 1)
 * @since 0.1.0
 */
export const mapWhere = (select: RegExp | ((path: string, leaf: Tensor) => boolean), f: (leaf: Tensor, path: string) => Tensor) => {
  const pick = typeof select === 'function' ? select : (path: string) => select.test(path)
  return map((leaf, path) => (pick(path, leaf) ? f(leaf, path) : leaf))
}
