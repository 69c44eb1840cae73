/**
 * Masks of parameter trees: which leaves a stage applies to, as optax's
 * `masked` takes them — a tree of booleans of the parameters' structure or
 * a prefix of it (a boolean over a subtree covers all its leaves), or a
 * function of the parameters that returns one.
 */
import { describe } from '../core/check.js'
import { TensorError } from '../core/errors.js'
import { Tensor } from '../core/tensor.js'
import { type Tree, flattenAs } from '../tree/index.js'

/**
 * A tree of booleans over a parameter tree, or over a prefix of it: `true`
 * where a stage applies, `false` where the leaves pass through. A boolean
 * in place of a subtree covers every leaf below it (`{ layers: true, scale: false }`).
 * Records must have the parameters' keys (in any order); arrays their lengths.
 * Why: optax's `mask` argument, e.g. no weight decay on biases.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const mask: optim.Mask = { layers: [{ w: true, b: false }], scale: false }
 * const tx = optim.addWeightDecay(0.5, mask)
 * const p = { layers: [{ w: tensor([2]), b: tensor([2]) }], scale: tensor([2]) }
 * const [u] = tx.update({ layers: [{ w: tensor([0]), b: tensor([0]) }], scale: tensor([0]) }, tx.init(p), p)
 * console.assert(u.layers[0]!.w.item() === 1 && u.layers[0]!.b.item() === 0 && u.scale.item() === 0)
 * @since 0.2.0
 */
export type Mask = boolean | readonly Mask[] | { readonly [key: string]: Mask }

/**
 * A {@link Mask}, or a function from the parameters to one (called on the
 * parameters at every update). Why: masks by shape or path without
 * writing out the tree (`(p) => tree.map(...)`-style rules).
 *
 * @example
 * import { optim, tensor, type Tensor } from 'grad-ts'
 * interface Params { layers: { w: Tensor; b: Tensor }[] }
 * const weightsOnly: optim.MaskOption<Params> = (p) => ({ layers: p.layers.map(() => ({ w: true, b: false })) })
 * const tx = optim.addWeightDecay(1, weightsOnly)
 * const p: Params = { layers: [{ w: tensor([3]), b: tensor([3]) }] }
 * const [u] = tx.update({ layers: [{ w: tensor([0]), b: tensor([0]) }] }, tx.init(p), p)
 * console.assert(u.layers[0]!.w.item() === 3 && u.layers[0]!.b.item() === 0)
 * @since 0.2.0
 */
export type MaskOption<P = Tree> = Mask | ((params: P) => Mask)

const isPlainRecord = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Tensor) return false
  const proto: unknown = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

const at = (path: string): string => (path === '' ? 'the root' : path)
const join = (path: string, k: string | number): string => (path === '' ? String(k) : `${path}.${String(k)}`)

/**
 * The mask's boolean for every leaf of `params`, in flatten order. A mask
 * whose structure is not the parameters' (or a prefix of it) is a
 * TensorError naming `op`, the path and what the mask has there.
 * @internal
 */
export const maskedLeaves = (op: string, option: MaskOption<never>, params: Tree): readonly boolean[] => {
  const mask: unknown = typeof option === 'function' ? (option as (p: Tree) => unknown)(params) : option
  const out: boolean[] = []
  const go = (m: unknown, p: unknown, path: string): void => {
    if (typeof m === 'boolean') {
      for (let i = flattenAs(op, p as Tree).length; i > 0; i--) out.push(m)
      return
    }
    const bad = (what: string): never => {
      throw new TensorError(op, `mask at ${at(path)} must be a boolean or ${what}, got ${Array.isArray(m) ? `an array of ${(m as readonly unknown[]).length}` : describe(m)}`)
    }
    if (p instanceof Tensor) throw new TensorError(op, `mask at ${at(path)} must be a boolean (the params have a tensor there), got ${describe(m)}`)
    if (Array.isArray(p)) {
      const ps = p as readonly unknown[]
      if (!Array.isArray(m) || (m as readonly unknown[]).length !== ps.length) bad(`an array of ${ps.length} like the params`)
      ps.forEach((c, i) => { go((m as readonly unknown[])[i], c, join(path, i)) })
      return
    }
    if (isPlainRecord(p)) {
      const keys = Object.keys(p)
      if (!isPlainRecord(m)) return bad(`a record with the params' keys ${keys.map((k) => JSON.stringify(k)).join(', ')}`)
      const extra = Object.keys(m).filter((k) => !Object.prototype.hasOwnProperty.call(p, k))
      if (extra.length > 0) throw new TensorError(op, `mask at ${at(path)} has ${extra.map((k) => JSON.stringify(k)).join(', ')}, which the params do not`)
      for (const k of keys) {
        if (!Object.prototype.hasOwnProperty.call(m, k)) throw new TensorError(op, `mask at ${at(path)} has no ${JSON.stringify(k)}, which the params have`)
        go(m[k], p[k], join(path, k))
      }
      return
    }
    flattenAs(op, p as Tree) // reports a malformed parameter tree
  }
  go(mask, params, '')
  return out
}

/**
 * Checks a mask option when a stage is made: a function is checked when
 * called, a tree must have boolean leaves.
 * @internal
 */
export const checkMask = (op: string, option: unknown): void => {
  if (option === undefined || typeof option === 'function') return
  const go = (m: unknown, path: string): void => {
    if (typeof m === 'boolean') return
    if (Array.isArray(m)) (m as readonly unknown[]).forEach((c, i) => { go(c, join(path, i)) })
    else if (isPlainRecord(m)) for (const k of Object.keys(m)) go(m[k], join(path, k))
    else throw new TensorError(op, `mask at ${at(path)} must be a boolean, an array or a record of booleans, or a function of the params, got ${describe(m)}`)
  }
  go(option, '')
}
