/**
 * Constants are zero tangents. Holding some of a function's inputs constant
 * (closing over them instead of differentiating them) must change nothing but
 * which derivatives are computed: forward mode with those inputs constant
 * equals forward mode with zero tangents for them, and reverse mode gives the
 * free inputs the same cotangents as when every input is differentiated.
 *
 * The two paths run different code in every rule: a constant input has no
 * tangent at all (`null`), so a rule must still return a tangent of its op's
 * output shape, broadcast where the constant set the shape (the `where` bug
 * this law was written for: `jvp(x => where(c, zeros([2]), x), …)` once
 * returned a tangent of shape []). And a case with constant leaves is again a
 * case of the gradient laws, so {@link partialCaseArb} feeds them too.
 */
import fc from 'fast-check'
import { zeros } from '../src/core/tensor.js'
import type { Tensor } from '../src/core/tensor.js'
import { jvp, vjp } from '../src/ad/transforms.js'
import { type Tree, type TreeLike, flatten, rebuild } from '../src/tree/index.js'
import { normalLike } from './arbitraries.js'
import { flat64, worst } from './float64Trees.js'
import type { GradCase, GradLawOptions, LawCheck } from './gradients.js'
import { gradientTolerances } from './gradients.js'

/**
 * A case with the leaves where `free[i]` is false held constant: the new
 * function takes the free leaves, in flatten order, as an array.
 * @example
 * import { partialCase } from 'grad-ts/laws'
 * import { mul, tensor, type Tensor } from 'grad-ts'
 * const k = partialCase({ f: (p: { a: Tensor; b: Tensor }) => mul(p.a, p.b), x: { a: tensor([2]), b: tensor([3]) } }, [false, true])
 * console.assert(k.x.length === 1 && k.f([tensor([5])]).item() === 10)
 * @since 0.2.0
 */
export const partialCase = <P extends TreeLike<P>, Y extends TreeLike<Y>>(k: GradCase<P, Y>, free: readonly boolean[]): GradCase<readonly Tensor[], Y> => {
  const leaves = flatten(k.x).map((l) => l.value)
  const merge = (xs: readonly Tensor[]): P => {
    let i = 0
    return rebuild(k.x, leaves.map((c, j) => (free[j] === true ? xs[i++]! : c))) as P
  }
  return { f: (xs) => k.f(merge(xs)), x: leaves.filter((_, j) => free[j] === true) }
}

/**
 * Draws, for each case, which leaves to hold constant (at least one stays free).
 * @example
 * import fc from 'fast-check'
 * import { partialCaseArb, tensorArb } from 'grad-ts/laws'
 * import { add, type Tensor } from 'grad-ts'
 * const cases = fc.tuple(tensorArb([2]), tensorArb([2])).map(([a, b]) => ({ f: (p: readonly Tensor[]) => add(p[0]!, p[1]!), x: [a, b] }))
 * const [k] = fc.sample(partialCaseArb(cases), { numRuns: 1, seed: 1 })
 * console.assert(k !== undefined && k.x.length >= 1 && k.x.length <= 2)
 * @since 0.2.0
 */
export const partialCaseArb = <P extends TreeLike<P>, Y extends TreeLike<Y>>(cases: fc.Arbitrary<GradCase<P, Y>>): fc.Arbitrary<GradCase<readonly Tensor[], Y>> =>
  cases.chain((k) => {
    const n = flatten(k.x).length
    return fc.array(fc.boolean(), { minLength: n, maxLength: n })
      .map((free) => (free.some((b) => b) || n === 0 ? free : free.map((_, i) => i === 0)))
      .map((free) => partialCase(k, free))
  })

/**
 * The law at one point: with the leaves where `free` is false held constant,
 * jvp equals jvp with zero tangents for them, and the pullback's cotangents of
 * the free leaves equal the full pullback's — within float64 rounding
 * (`roundoff` of {@link gradientTolerances}), since the two paths add zeros in
 * different places. Directions are standard normal from `seed`.
 * @example
 * import { constantLeavesCheck } from 'grad-ts/laws'
 * import { where, tensor, type Tensor } from 'grad-ts'
 * const f = (p: { a: Tensor; b: Tensor }) => where(tensor([true, false]), p.a, p.b)
 * const x = { a: tensor([[1, 2]], 'float64'), b: tensor(3, 'float64') }
 * console.assert(constantLeavesCheck(f, x, [false, true]).every((c) => c.ok))
 * @since 0.2.0
 */
export const constantLeavesCheck = <P extends TreeLike<P>>(f: (x: P) => Tree, x: P, free: readonly boolean[], seed = 0, options: GradLawOptions = {}): readonly LawCheck[] => {
  const law = 'constants are zero tangents'
  const roundoff = options.roundoff ?? gradientTolerances.roundoff
  const part = partialCase({ f, x }, free)
  const t = normalLike(x, seed)
  const zeroed = rebuild(x, flatten(t).map((l, j) => (free[j] === true ? l.value : zeros(l.value.shape, l.value.dtype)))) as P
  const tFree = flatten(t).map((l) => l.value).filter((_, j) => free[j] === true)
  const close = (what: string, got: Tree, want: Tree): LawCheck => {
    const g = flat64(law, got, what)
    const w = flat64(law, want, what)
    if (g.length !== w.length) return { law, ok: false, at: `${what} (structure)`, got: g.length, want: w.length, tolerance: 0 }
    return worst(`${law}: ${what}`, g.flatMap((l, i) => {
      const wd = w[i]!.data
      if (l.data.length !== wd.length) return [{ at: `${what} ${l.path} (shape)`, got: l.data.length, want: wd.length, tolerance: 0 }]
      return Array.from(l.data, (v, k) => ({ at: `${what} ${l.path}[${k}]`, got: v, want: wd[k]!, tolerance: roundoff * (1 + Math.abs(wd[k]!)) }))
    }))
  }
  const [, dyPart] = jvp(part.f, part.x, tFree)
  const [y, dyFull] = jvp(f, x, zeroed)
  const c = normalLike(y, seed + 1)
  const [, pullPart] = vjp(part.f, part.x)
  const [, pullFull] = vjp(f, x)
  const full = flatten(pullFull(c)).map((l) => l.value).filter((_, j) => free[j] === true)
  return [close('jvp', dyPart, dyFull), close('vjp', pullPart(c), full)]
}

/**
 * {@link constantLeavesCheck} as a fast-check property over an arbitrary of
 * cases; it draws the constant leaves and the directions.
 * @example
 * import fc from 'fast-check'
 * import { constantLeavesProperty, tensorArb } from 'grad-ts/laws'
 * import { mul, type Tensor } from 'grad-ts'
 * const cases = fc.tuple(tensorArb([2, 1]), tensorArb([3])).map(([a, b]) => ({ f: (p: readonly Tensor[]) => mul(p[0]!, p[1]!), x: [a, b] }))
 * fc.assert(constantLeavesProperty(cases), { numRuns: 5 })
 * @since 0.2.0
 */
export const constantLeavesProperty = <P extends TreeLike<P>>(cases: fc.Arbitrary<GradCase<P, Tree>>, options: GradLawOptions = {}) =>
  fc.property(
    cases.chain((k) => {
      const n = flatten(k.x).length
      return fc.tuple(fc.constant(k), fc.array(fc.boolean(), { minLength: n, maxLength: n }), fc.nat())
    }),
    ([k, free, seed]) => {
      const bad = constantLeavesCheck(k.f, k.x, free, seed, options).find((r) => !r.ok)
      if (bad !== undefined) throw new Error(`${bad.law} fails at ${bad.at}: got ${bad.got}, want ${bad.want} (tolerance ${bad.tolerance})`)
    },
  )
