/**
 * jacfwd, jacrev and hessian against analytic Jacobians and against each
 * other (forward and reverse mode must agree), in JAX's layout: shape
 * `shape(f(x)) ++ shape(x)`; and grad/valueAndGrad with `hasAux`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  TensorError, exp, grad, hessian, jacfwd, jacrev, matmul, mul, sum, tanh, tensor, valueAndGrad, type Tensor,
} from '../../src/index.js'
import { tensorArb } from '../../laws/arbitraries.js'

const vals = (t: Tensor) => Array.from(t.toTypedArray())
const close = (a: Tensor, b: Tensor, tol = 1e-12) => {
  expect(a.shape).toEqual(b.shape)
  vals(a).forEach((v, i) => { expect(Math.abs(v - vals(b)[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(vals(b)[i]!))) })
}

describe('Jacobians', () => {
  it('of a linear map are its matrix, by both modes', () => {
    const A = tensor([[1, 2, 3], [4, 5, 6]], 'float64')
    const f = (x: Tensor) => matmul(A, x)
    const x = tensor([0.5, -1, 2], 'float64')
    expect(vals(jacfwd(f)(x))).toEqual(vals(A))
    expect(vals(jacrev(f)(x))).toEqual(vals(A))
    expect(jacrev(f)(x).shape).toEqual([2, 3])
  })

  it('have shape shape(f(x)) ++ shape(x) and agree between forward and reverse mode', () => {
    fc.assert(fc.property(tensorArb([2, 3], { min: -2, max: 2 }), (x) => {
      const f = (v: Tensor) => mul(tanh(v), exp(sum(v, { axis: 1, keepdims: true })))
      const F = jacfwd(f)(x)
      expect(F.shape).toEqual([2, 3, 2, 3])
      close(F, jacrev(f)(x), 1e-12)
    }), { numRuns: 20 })
  })

  it('elementwise: a diagonal with the derivative on it', () => {
    const x = tensor([0.1, 0.7, -1.3], 'float64')
    const J = jacfwd((v: Tensor) => exp(v))(x)
    const d = vals(x).map(Math.exp)
    expect(vals(J)).toEqual([d[0], 0, 0, 0, d[1], 0, 0, 0, d[2]])
  })

  it('of trees: the output structure, each leaf a tree like the input (JAX layout)', () => {
    const p = { w: tensor([1, 2], 'float64'), b: tensor(3, 'float64') }
    const f = (q: typeof p) => ({ y: mul(q.w, q.b), s: sum(q.w) })
    const J = jacrev(f)(p)
    expect(J.y.w.shape).toEqual([2, 2])
    expect(vals(J.y.w)).toEqual([3, 0, 0, 3])
    expect(vals(J.y.b)).toEqual([1, 2])
    expect(J.s.w.shape).toEqual([2])
    expect(J.s.b.shape).toEqual([])
    const F = jacfwd(f)(p)
    for (const [a, b] of [[F.y.w, J.y.w], [F.y.b, J.y.b], [F.s.w, J.s.w], [F.s.b, J.s.b]] as const) close(a, b)
  })

  it('hessian is jacfwd(jacrev(f)): symmetric, and the analytic one for x·eˣ summed', () => {
    const x = tensor([0.3, -0.8], 'float64')
    const H = hessian((v: Tensor) => sum(mul(v, exp(v))))(x)
    const h = vals(x).map((v) => (v + 2) * Math.exp(v))
    expect(H.shape).toEqual([2, 2])
    vals(H).forEach((v, i) => { expect(v).toBeCloseTo([h[0], 0, 0, h[1]][i]!, 14) })
    const H2 = hessian((v: Tensor) => sum(exp(mul(v, tensor([[1, 2], [3, 4]], 'float64')))))(tensor([[0.1, 0.2], [0.3, 0.4]], 'float64'))
    expect(H2.shape).toEqual([2, 2, 2, 2])
    const h2 = vals(H2)
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(h2[i * 4 + j]).toBeCloseTo(h2[j * 4 + i]!, 14)
  })

  it('refuse integer inputs with a TensorError naming the transform', () => {
    expect(() => jacfwd((v: Tensor) => v)(tensor([1], 'int32'))).toThrow(/^jacfwd: input has dtype int32/)
    expect(() => jacrev((v: Tensor) => v)(tensor([1], 'int32'))).toThrow(TensorError)
  })
})

describe('hasAux', () => {
  it('valueAndGrad returns [[value, aux], grad]; aux is not differentiated and carries no tracer', () => {
    const f = (x: Tensor) => [sum(mul(x, x)), { doubled: mul(x, 2), note: 'ok' }] as const
    const [[v, aux], g] = valueAndGrad(f, { hasAux: true })(tensor([1, 2, 3]))
    expect(v.item()).toBe(14)
    expect(vals(g)).toEqual([2, 4, 6])
    expect(vals(aux.doubled)).toEqual([2, 4, 6])
    expect(aux.doubled.tracer).toBeUndefined()
    expect(aux.note).toBe('ok')
  })

  it('grad returns [grad, aux]; a non-tensor aux passes as it is', () => {
    const [g, count] = grad((x: Tensor) => [sum(exp(x)), x.size] as const, { hasAux: true })(tensor([0, 0]))
    expect(vals(g)).toEqual([1, 1])
    expect(count).toBe(2)
  })

  it('a function that does not return [value, aux] is a TensorError naming grad', () => {
    expect(() => grad((x: Tensor) => sum(x) as unknown as readonly [Tensor, number], { hasAux: true })(tensor([1]))).toThrow(/^grad: with hasAux the function must return \[value, aux\]/)
  })

  it('nests: the gradient of a function whose aux is itself a gradient', () => {
    const inner = (x: Tensor) => [sum(mul(mul(x, x), x)), grad((y: Tensor) => sum(mul(y, y)))(x)] as const
    const [g, aux] = grad(inner, { hasAux: true })(tensor([2], 'float64'))
    expect(vals(g)).toEqual([12])
    expect(vals(aux)).toEqual([4])
  })
})
