/**
 * customVjp, customJvp and definePrimitive, by known answers: a
 * straight-through estimator, gradient clipping inside the graph, a stable
 * log1pexp, a user primitive with every rule — each under grad (to second
 * order where that means something), vmap (inside and outside grad), jvp and
 * evalShape; forward mode of a customVjp is a TensorError, as in JAX.
 */
import { describe, expect, it } from 'vitest'
import {
  type Primitive, type PrimitiveDef, type Tensor, TensorError, add, customJvp, customVjp, definePrimitive, evalShape, exp, grad, greater, hessian,
  hvp, jacfwd, jacrev, jvp, less, log1p, mul, sign, sigmoid, sum, tensor, trace, vjp, vmap, where,
} from '../../src/index.js'

const f64 = (v: Parameters<typeof tensor>[0]) => tensor(v, 'float64')
const arr = (t: Tensor) => t.toArray()
const sig = (x: number) => 1 / (1 + Math.exp(-x))

// ---------------------------------------------------------------- the functions under test

/** Straight-through estimator: sign forward, the identity backward. */
const ste = customVjp((x: Tensor) => sign(x), {
  fwd: (x: Tensor) => [sign(x), null] as const,
  bwd: (_: null, g: Tensor) => [g] as const,
})

/** Identity forward; the cotangent clipped to [−1, 1] backward (gradient clipping inside the graph). */
const clipGrad = customVjp((x: Tensor) => x, {
  fwd: (x: Tensor) => [x, null] as const,
  bwd: (_: null, g: Tensor) => [where(greater(g, 1), 1, where(less(g, -1), -1, g))] as const,
})

/** x³ with residual x and a differentiable backward rule 3x²·g. */
const cube = customVjp((x: Tensor) => mul(mul(x, x), x), {
  fwd: (x: Tensor) => [mul(mul(x, x), x), { x }] as const,
  bwd: (r: { x: Tensor }, g: Tensor) => [mul(g, mul(mul(r.x, r.x), 3))] as const,
})

/** log(1 + eˣ), with the derivative σ(x) = 1/(1 + e⁻ˣ): finite where the naive one, eˣ/(1 + eˣ), is ∞/∞ — and so is its own derivative σ(1 − σ). */
const log1pexp = customJvp((x: Tensor) => log1p(exp(x)), (x: Tensor, t: Tensor) => [log1p(exp(x)), mul(t, sigmoid(x))] as const)

describe('customVjp', () => {
  it('a straight-through estimator: the value of sign, the gradient of the identity', () => {
    const x = f64([-2, 0.5, 3])
    expect(arr(ste(x))).toEqual([-1, 1, 1])
    expect(arr(grad((v: Tensor) => sum(mul(ste(v), f64([1, 2, 3]))))(x))).toEqual([1, 2, 3])
    expect(arr(grad((v: Tensor) => sum(sign(v)))(x))).toEqual([0, 0, 0]) // sign's own derivative
    // Second order: the backward rule does not depend on x, so the gradient's derivative is zero.
    expect(arr(hessian((v: Tensor) => sum(ste(v)))(x))).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]])
  })

  it('gradient clipping inside the graph: the value unchanged, the cotangent clipped where it flows', () => {
    const x = f64([1, 2])
    expect(arr(clipGrad(x))).toEqual([1, 2])
    expect(arr(grad((v: Tensor) => sum(mul(clipGrad(v), f64([5, 0.5]))))(x))).toEqual([1, 0.5])
    expect(arr(grad((v: Tensor) => sum(mul(clipGrad(mul(v, v)), -3)))(x))).toEqual([-2, -4]) // clip(−3)·2v
  })

  it('x³ with a hand-written backward: grad, hessian, and the residual tree', () => {
    const x = f64([1, -2])
    expect(arr(grad((v: Tensor) => sum(cube(v)))(x))).toEqual([3, 12])
    expect(Array.from(hessian((v: Tensor) => sum(cube(v)))(x).toTypedArray(), (h) => h + 0)).toEqual([6, 0, 0, -12]) // + 0: −0 is 0
    expect(arr(grad((v: Tensor) => sum(grad((u: Tensor) => sum(cube(u)))(v)))(x))).toEqual([6, -12])
  })

  it('under vmap, outside and inside grad: per-example clipped gradients', () => {
    const xs = f64([[1, 2], [3, 4]])
    const w = f64([5, -0.25])
    const loss = (v: Tensor, x: Tensor) => sum(mul(clipGrad(v), x)) // ∂/∂v = clip(x)
    expect(arr(vmap(clipGrad)(xs))).toEqual([[1, 2], [3, 4]])
    expect(arr(vmap(grad(loss), { inAxes: [null, 0] })(w, xs))).toEqual([[1, 1], [1, 1]])
    expect(arr(vmap(grad(loss), { inAxes: [null, 0] })(w, f64([[0.5, -3], [-0.25, 0]])))).toEqual([[0.5, -1], [-0.25, 0]])
    // grad of a sum over the batch, w shared: as in JAX, the application of clipGrad to w is not batched (w is not),
    // so its rule runs once, on the summed cotangent: clip([0.5 + 2, −3 + 0]). A rule that is not linear in the
    // cotangent sees sums; with w batched, each example's cotangent is clipped on its own.
    const x2 = f64([[0.5, -3], [2, 0]])
    expect(arr(grad((v: Tensor) => sum(vmap(loss, { inAxes: [null, 0] })(v, x2)))(w))).toEqual([1, -1])
    expect(arr(grad((v: Tensor) => sum(vmap(loss)(v, x2)))(f64([[5, -0.25], [5, -0.25]])))).toEqual([[0.5, -1], [1, 0]])
    // vmap of the function itself, then grad: the clip applies per element of the batched cotangent.
    expect(arr(grad((v: Tensor) => sum(mul(vmap(clipGrad, { inAxes: 1 })(v), f64([[3, -0.5], [0.25, -7]]))))(f64([[1, 2], [3, 4]])))).toEqual([[1, 0.25], [-0.5, -1]])
    expect(arr(vmap(grad((v: Tensor) => sum(cube(v))))(f64([[1], [2], [-1]])))).toEqual([[3], [12], [3]])
  })

  it('under grad of vmap, a shared argument\'s cotangent is the sum of the per-example (clipped) ones', () => {
    const scaled = customVjp((x: Tensor, w: Tensor) => mul(x, w), {
      fwd: (x: Tensor, w: Tensor) => [mul(x, w), { x, w }] as const,
      bwd: (r: { x: Tensor; w: Tensor }, g: Tensor) => [mul(g, r.w), where(greater(mul(g, r.x), 1), 1, mul(g, r.x))] as const,
    })
    const xs = f64([[0.5, 3], [2, -1]])
    const g = grad((w: Tensor) => sum(vmap(scaled, { inAxes: [0, null] })(xs, w)))(f64([1, 1]))
    expect(arr(g)).toEqual([0.5 + 1, 1 - 1]) // Σ_b min(x_b, 1) per element
  })

  it('under evalShape: the function\'s avals, and its gradient\'s', () => {
    expect(evalShape(cube)({ shape: [4, 2], dtype: 'float32' })).toEqual({ shape: [4, 2], dtype: 'float32' })
    expect(evalShape(grad((v: Tensor) => sum(clipGrad(v))))({ shape: [3], dtype: 'float64' })).toEqual({ shape: [3], dtype: 'float64' })
    expect(evalShape(vmap(grad((v: Tensor) => sum(ste(v)))))({ shape: [5, 3], dtype: 'float64' })).toEqual({ shape: [5, 3], dtype: 'float64' })
  })

  it('forward mode is a TensorError naming customVjp, as in JAX (jvp, jacfwd, under vmap); forward over reverse works', () => {
    const x = f64([1, 2])
    for (const run of [() => jvp(ste, x, x), () => jacfwd(cube)(x), () => jvp(vmap(ste), f64([[1]]), f64([[1]])), () => vmap((v: Tensor) => jvp(cube, v, v))(f64([[1]]))]) {
      let e: unknown
      try {
        run()
      } catch (err) {
        e = err
      }
      expect(e).toBeInstanceOf(TensorError)
      expect((e as TensorError).op).toBe('customVjp')
      expect((e as TensorError).message).toMatch(/forward mode/)
    }
    expect(arr(jacrev(cube)(x))).toEqual([[3, 0], [0, 12]]) // reverse mode is fine
    // jvp of grad differentiates fwd and bwd themselves, as jax.hessian of a custom_vjp function does.
    expect(arr(hvp((v: Tensor) => sum(cube(v)))(x, f64([1, 1])))).toEqual([6, 12])
  })

  it('trees of arguments and outputs; a null cotangent is a zero; a bwd of the wrong arity is a TensorError', () => {
    const scaled = customVjp((p: { a: Tensor; b: Tensor }, k: Tensor) => ({ y: mul(p.a, k), z: p.b }), {
      fwd: (p: { a: Tensor; b: Tensor }, k: Tensor) => [{ y: mul(p.a, k), z: p.b }, k] as const,
      bwd: (k: Tensor, g: { y: Tensor; z: Tensor }) => [{ a: mul(g.y, k), b: g.z }, null] as const,
    })
    const [out, pull] = vjp((p: { a: Tensor; b: Tensor; k: Tensor }) => scaled({ a: p.a, b: p.b }, p.k), { a: f64([1, 2]), b: f64(3), k: f64(10) })
    expect([arr(out.y), out.z.item()]).toEqual([[10, 20], 3])
    const g = pull({ y: f64([1, 1]), z: f64(2) })
    expect([arr(g.a), g.b.item(), g.k.item()]).toEqual([[10, 10], 2, 0])
    const wrong = customVjp((x: Tensor) => x, { fwd: (x: Tensor) => [x, null] as const, bwd: () => [] as unknown as [Tensor] })
    expect(() => grad((v: Tensor) => sum(wrong(v)))(f64([1]))).toThrow(/customVjp: bwd must return one cotangent per argument \(1\), got 0/)
  })
})

describe('customJvp', () => {
  it('a stable log1pexp: finite derivatives where the naive ones are NaN', () => {
    const big = f64([1000])
    expect(grad((v: Tensor) => sum(log1p(exp(v))))(big).item()).toBeNaN()
    expect(grad((v: Tensor) => sum(log1pexp(v)))(big).item()).toBe(1)
    expect(jvp(log1pexp, big, f64([2]))[1].item()).toBe(2)
    const xs = [-3, 0, 0.5, 4]
    const g = Array.from(grad((v: Tensor) => sum(log1pexp(v)))(f64(xs)).toTypedArray())
    g.forEach((v, i) => { expect(Math.abs(v - sig(xs[i]!))).toBeLessThan(1e-15); })
  })

  it('second order, by both modes: the derivative of σ is σ(1 − σ)', () => {
    const xs = [-3, 0, 0.5, 4]
    const H = hessian((v: Tensor) => sum(log1pexp(v)))(f64(xs))
    const want = xs.map((x, i) => xs.map((_, j) => (i === j ? sig(x) * (1 - sig(x)) : 0)))
    ;(H.toArray() as number[][]).forEach((row, i) => { row.forEach((h, j) => { expect(h).toBeCloseTo(want[i]![j]!, 14); }); })
    expect(hvp((v: Tensor) => sum(log1pexp(v)))(f64([1000]), f64([1])).item()).toBe(0)
  })

  it('under vmap, with jvp and grad in both orders', () => {
    const xs = f64([[-3, 0], [0.5, 1000]])
    const ts = f64([[1, 1], [2, 1]])
    const [y, t] = jvp(vmap(log1pexp), xs, ts)
    const [y2, t2] = vmap((x: Tensor, tx: Tensor) => jvp(log1pexp, x, tx))(xs, ts)
    expect(arr(y)).toEqual(arr(y2))
    expect(arr(t)).toEqual(arr(t2))
    expect((arr(t) as number[][])[1]![1]).toBe(1)
    const g = vmap(grad((v: Tensor) => sum(log1pexp(v))))(xs)
    const loop = (xs.toArray() as number[][]).map((row) => arr(grad((v: Tensor) => sum(log1pexp(v)))(f64(row))))
    expect(arr(g)).toEqual(loop)
    expect(arr(grad((v: Tensor) => sum(vmap(log1pexp)(v)))(xs))).toEqual(loop)
  })

  it('under evalShape', () => {
    expect(evalShape(log1pexp)({ shape: [7], dtype: 'float64' })).toEqual({ shape: [7], dtype: 'float64' })
    expect(evalShape(vmap(grad((v: Tensor) => sum(log1pexp(v)))))({ shape: [2, 7], dtype: 'float64' })).toEqual({ shape: [2, 7], dtype: 'float64' })
  })
})

// ---------------------------------------------------------------- definePrimitive

/** x ↦ x·e^(k·x) with params k, every rule written with grad-ts's ops (so every order works). */
const xexp: Primitive<{ readonly k: number }> = definePrimitive<{ readonly k: number }>({
  name: 'xexp',
  abstractEval: ([x]) => x!,
  impl: ([x], { k }) => x!.map((v) => v * Math.exp(k * v)),
  // d/dx x·e^(kx) = (1 + kx)·e^(kx)
  vjp: (g, { inputs: [x], params: { k } }) => mul(g, mul(add(mul(x!, k), 1), exp(mul(x!, k)))),
  jvp: ([t], { inputs: [x], params: { k } }) => mul(t!, mul(add(mul(x!, k), 1), exp(mul(x!, k)))),
  batch: ([x], [d], p) => [xexp([x!], p), d!],
})
const k2 = { k: 2 }
const want = (x: number, k = 2) => x * Math.exp(k * x)
const dWant = (x: number, k = 2) => (1 + k * x) * Math.exp(k * x)
const d2Want = (x: number, k = 2) => k * (2 + k * x) * Math.exp(k * x)

describe('definePrimitive: one application under every transformation', () => {
  const xs = [0.5, -1, 0.25]
  const close = (got: unknown, expected: unknown) => {
    const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number])
    const [a, b] = [flat(got), flat(expected)]
    expect(a.length).toBe(b.length)
    a.forEach((v, i) => { expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[i]!))); })
  }

  it('evaluates with its kernel and shows in graphs by its name', () => {
    close(arr(xexp([f64(xs)], k2)), xs.map((x) => want(x)))
    expect(trace((v: Tensor) => xexp([v], k2))(f64(xs)).nodes.map((n) => n.op)).toEqual(['input', 'xexp'])
  })

  it('grad, jvp, vjp, and second order by hessian and hvp', () => {
    close(arr(grad((v: Tensor) => sum(xexp([v], k2)))(f64(xs))), xs.map((x) => dWant(x)))
    close(arr(jvp((v: Tensor) => xexp([v], k2), f64(xs), f64([1, 2, 3]))[1]), xs.map((x, i) => dWant(x) * (i + 1)))
    close(arr(vjp((v: Tensor) => xexp([v], k2), f64(xs))[1](f64([1, 0, -1]))), xs.map((x, i) => dWant(x) * [1, 0, -1][i]!))
    close(arr(hessian((v: Tensor) => sum(xexp([v], k2)))(f64(xs))), xs.map((x, i) => xs.map((_, j) => (i === j ? d2Want(x) : 0))))
    close(arr(hvp((v: Tensor) => sum(xexp([v], k2)))(f64(xs), f64([1, 1, 1]))), xs.map((x) => d2Want(x)))
  })

  it('vmap on any axis, vmap of vmap, and vmap with grad and jvp in both orders', () => {
    const X = f64([[0.5, -1], [0.25, 0]])
    const T = [[0.5, -1], [0.25, 0]]
    close(arr(vmap((v: Tensor) => xexp([v], k2))(X)), T.map((r) => r.map((x) => want(x))))
    close(arr(vmap((v: Tensor) => xexp([v], k2), { inAxes: 1, outAxes: 1 })(X)), T.map((r) => r.map((x) => want(x))))
    close(arr(vmap(vmap((v: Tensor) => xexp([v], k2)), { inAxes: 1 })(X)), [[want(0.5), want(0.25)], [want(-1), want(0)]])
    close(arr(vmap(grad((v: Tensor) => sum(xexp([v], k2))))(X)), T.map((r) => r.map((x) => dWant(x))))
    close(arr(grad((v: Tensor) => sum(vmap((u: Tensor) => xexp([u], k2), { inAxes: 1 })(v)))(X)), T.map((r) => r.map((x) => dWant(x))))
    close(arr(jvp(vmap((v: Tensor) => xexp([v], k2)), X, f64([[1, 1], [1, 1]]))[1]), T.map((r) => r.map((x) => dWant(x))))
    close(arr(vmap((v: Tensor) => jvp((u: Tensor) => xexp([u], k2), v, f64([1, 1]))[1])(X)), T.map((r) => r.map((x) => dWant(x))))
  })

  it('evalShape, alone and under vmap and grad: its abstractEval, no kernel run', () => {
    let ran = 0
    const counted: Primitive<undefined> = definePrimitive({
      name: 'counted',
      abstractEval: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
      impl: ([x]) => {
        ran++
        return x!
      },
      vjp: (g) => g,
      jvp: ([t]) => t!,
      batch: ([x], [d]) => [counted([x!], undefined), d!],
    })
    expect(evalShape((v: Tensor) => counted([v], undefined))({ shape: [2, 3], dtype: 'float32' })).toEqual({ shape: [2, 3], dtype: 'float32' })
    expect(evalShape(vmap(grad((v: Tensor) => sum(counted([v], undefined)))))({ shape: [4, 3], dtype: 'float64' })).toEqual({ shape: [4, 3], dtype: 'float64' })
    expect(ran).toBe(0)
    expect(arr(counted([tensor([1, 2])], undefined))).toEqual([1, 2])
    expect(ran).toBe(1)
  })

  it('inside a customVjp, and a customVjp inside its rules', () => {
    const wrapped = customVjp((x: Tensor) => xexp([x], k2), {
      fwd: (x: Tensor) => [xexp([x], k2), x] as const,
      bwd: (x: Tensor, g: Tensor) => [clipGrad(mul(g, mul(add(mul(x, 2), 1), exp(mul(x, 2)))))] as const,
    })
    const x = [-1, 0, 0.5]
    close(arr(grad((v: Tensor) => sum(wrapped(v)))(f64(x))), x.map((v) => dWant(v)))
    // Second order runs through clipGrad in bwd: the outer cotangent 5 is clipped to 1 there.
    close(arr(grad((v: Tensor) => sum(mul(grad((u: Tensor) => sum(wrapped(u)))(v), 5)))(f64(x))), x.map((v) => d2Want(v)))
    close(arr(grad((v: Tensor) => sum(mul(grad((u: Tensor) => sum(xexp([u], k2)))(v), 5)))(f64(x))), x.map((v) => 5 * d2Want(v)))
  })

  it('a batch rule that does not give its op\'s output is a TensorError naming the primitive', () => {
    const wrong = (name: string, batch: PrimitiveDef<undefined>['batch']): Primitive<undefined> => definePrimitive({ name, abstractEval: ([x]) => x!, impl: ([x]) => x!, vjp: null, jvp: null, batch })
    const dropsBatch: Primitive<undefined> = wrong('dropsBatch', ([x]) => [x!, null])
    const wrongAxis: Primitive<undefined> = wrong('wrongAxis', ([x]) => [x!, 2])
    const wrongSize: Primitive<undefined> = wrong('wrongSize', ([x], [d]) => [sum(x!, { axis: d!, keepdims: true }), d!])
    const xs = tensor([[1, 2, 3], [4, 5, 6]])
    expect(() => vmap((v: Tensor) => dropsBatch([v], undefined))(xs)).toThrow('dropsBatch: batch rule returned float32[2,3], expected float32[3]')
    expect(() => vmap((v: Tensor) => wrongAxis([v], undefined))(xs)).toThrow('wrongAxis: batch rule returned float32[2,3] with batch axis 2, expected an axis of size 2')
    expect(() => vmap((v: Tensor) => wrongSize([v], undefined), { inAxes: 1 })(xs)).toThrow('wrongSize: batch rule returned float32[2,1] with batch axis 1, expected an axis of size 3')
  })

  it('rejects bad definitions and bad applications with TensorErrors', () => {
    const base: PrimitiveDef<undefined> = { name: 'p', abstractEval: ([x]) => x!, impl: ([x]) => x!, vjp: null, jvp: null, batch: () => [tensor(0), null] }
    expect(() => definePrimitive({ ...base, name: '' })).toThrow(/definePrimitive: a primitive needs a non-empty name/)
    expect(() => definePrimitive({ ...base, impl: 3 as never })).toThrow(/definePrimitive: p: impl must be a function/)
    expect(() => definePrimitive({ ...base, vjp: 'no' as never })).toThrow(/definePrimitive: p: vjp must be a function or null/)
    const p = definePrimitive({ ...base, impl: () => [1, 2, 3] })
    expect(() => p(tensor([1]) as never, undefined)).toThrow(/p: inputs must be an array of tensors/)
    expect(() => p([3 as never], undefined)).toThrow(TensorError)
    expect(() => p([tensor([1, 2])], undefined)).toThrow(/p: impl returned 3 elements for an output of 2/)
  })
})
