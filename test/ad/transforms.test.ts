import { describe, expect, it } from 'vitest'
import {
  type Tensor, TensorError, add, exp, grad, hvp, jvp, log, matmul, mean, mul, relu, showGraph, sigmoid, stopGradient,
  sum, tanh, tensor, toDot, trace, valueAndGrad, vjp,
} from '../../src/index.js'

const f64 = (v: number) => tensor(v, 'float64')

describe('grad', () => {
  it('differentiates scalar functions', () => {
    expect(grad((x: Tensor) => mul(x, x))(f64(3)).item()).toBe(6)
    expect(grad((x: Tensor) => exp(x))(f64(1)).item()).toBe(Math.E)
    expect(grad((x: Tensor) => log(x))(f64(4)).item()).toBe(0.25)
  })
  it('returns gradients with the structure and key order of the parameters', () => {
    const loss = (p: { w: Tensor; b: Tensor; extra: readonly Tensor[] }, x: Tensor) =>
      sum(add(mul(matmul(x, p.w), p.extra[0]!), p.b))
    const p = { w: tensor([[1], [2]], 'float64'), b: f64(0.5), extra: [f64(2)] }
    const x = tensor([[1, 1], [3, 4]], 'float64')
    const g = grad(loss)(p, x)
    expect(Object.keys(g)).toEqual(['w', 'b', 'extra'])
    expect(g.w.toArray()).toEqual([[8], [10]])
    expect(g.b.item()).toBe(2)
    expect(g.extra[0]!.item()).toBe(14)
    const [v] = valueAndGrad(loss)(p, x)
    expect(v.item()).toBe(2 * (3 + 11) + 2 * 0.5)
  })
  it('gives zeros for parameters the loss does not use', () => {
    const g = grad((p: { a: Tensor; b: Tensor }) => sum(p.a))({ a: tensor([1, 2]), b: tensor([3]) })
    expect(Array.from(g.b.toTypedArray())).toEqual([0])
  })
  it('rejects non-scalar outputs and integer inputs with clear errors', () => {
    expect(() => grad((x: Tensor) => mul(x, 2))(tensor([1, 2]))).toThrow(
      'grad: the function must return a float scalar (shape []), got float32[2]; use vjp for other outputs',
    )
    expect(() => grad((x: Tensor) => sum(x))(tensor([1], 'int32'))).toThrow('grad: input has dtype int32; only float32 and float64 tensors are differentiable')
    expect(() => grad((p: { w: Tensor }) => sum(p.w))({ w: tensor([1], 'int32') })).toThrow('grad: input at w has dtype int32; only float32 and float64 tensors are differentiable')
  })
  it('stopGradient blocks every order', () => {
    const f = (x: Tensor) => mul(mul(x, x), stopGradient(x))
    expect(grad(f)(f64(3)).item()).toBe(18)
    expect(grad(grad(f))(f64(3)).item()).toBe(6)
  })
})

describe('nested differentiation', () => {
  it('is free of perturbation confusion: d/dx [x · d/dy (x + y)] = 1 at every x', () => {
    for (const x0 of [-3, 0, 0.5, 7]) {
      const inner = (x: Tensor) => grad((y: Tensor) => add(x, y))(f64(2))
      const d = grad((x: Tensor) => mul(x, inner(x)))(f64(x0))
      expect(d.item()).toBe(1)
    }
  })
  it('mixes forward and reverse without confusion', () => {
    // d/dx [x · (jvp of y ↦ x·y at y=1 along 1)] = d/dx [x·x] = 2x
    const f = (x: Tensor) => mul(x, jvp((y: Tensor) => mul(x, y), f64(1), f64(1))[1])
    expect(grad(f)(f64(3)).item()).toBe(6)
  })
  it('computes higher derivatives of tanh, sigmoid and exp', () => {
    const x = 0.3
    const t = Math.tanh(x)
    expect(grad(grad((v: Tensor) => tanh(v)))(f64(x)).item()).toBeCloseTo(-2 * t * (1 - t * t), 15)
    const s = 1 / (1 + Math.exp(-x))
    expect(grad(grad((v: Tensor) => sigmoid(v)))(f64(x)).item()).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 15)
    expect(grad(grad(grad((v: Tensor) => exp(v))))(f64(x)).item()).toBe(Math.exp(x))
  })
  it('hvp is forward over reverse', () => {
    const f = (x: Tensor) => sum(mul(mul(x, x), x))
    expect(Array.from(hvp(f)(tensor([1, 2], 'float64'), tensor([1, 0], 'float64')).toTypedArray())).toEqual([6, 0])
  })
})

describe('vjp and jvp', () => {
  it('vjp handles tree outputs and checks cotangent shapes', () => {
    const [y, pb] = vjp((x: Tensor) => ({ a: mul(x, 2), b: [exp(x)] }), tensor([0, 1], 'float64'))
    expect(Array.from(y.a.toTypedArray())).toEqual([0, 2])
    const g = pb({ a: tensor([1, 1], 'float64'), b: [tensor([1, 0], 'float64')] })
    expect(Array.from(g.toTypedArray())).toEqual([3, 2])
    expect(() => pb({ a: tensor([1], 'float64'), b: [tensor([1, 0], 'float64')] })).toThrow(TensorError)
  })
  it('jvp returns the value and the directional derivative', () => {
    const [y, t] = jvp((p: { a: Tensor; b: Tensor }) => mul(p.a, p.b), { a: f64(2), b: f64(5) }, { a: f64(1), b: f64(0) })
    expect(y.item()).toBe(10)
    expect(t.item()).toBe(5)
    expect(() => jvp((x: Tensor) => x, f64(1), tensor([1, 2], 'float64'))).toThrow('jvp: (root): tangent is float64[2], primal is float64[]')
  })
  it('evaluating the same function twice is bit-identical', () => {
    const w = tensor([[0.1, -0.2], [0.3, 0.4]])
    const loss = (p: Tensor) => mean(relu(matmul(w, p)))
    const x = tensor([[1.5, -2], [0.25, 3]])
    const a = grad(loss)(x).toTypedArray()
    const b = grad(loss)(x).toTypedArray()
    expect(Buffer.from(a.buffer)).toEqual(Buffer.from(b.buffer))
  })
  it('a tracer used after its transform returns is an error', () => {
    let leaked: Tensor | undefined
    grad((x: Tensor) => {
      leaked = x
      return sum(x)
    })(f64(1))
    expect(() => mul(leaked!, 2)).toThrow('mul: a traced value was used after its grad call returned (a leaked tracer)')
  })
})

describe('the graph as a value', () => {
  const f = (p: { w: Tensor; b: Tensor }) => sum(add(mul(p.w, 2), p.b))
  const g = trace(f)({ w: tensor([1, 2]), b: tensor(0.5) })
  it('lists nodes in topological order with inputs and outputs', () => {
    expect(g.nodes.map((n) => n.op)).toEqual(['input', 'input', 'const', 'mul', 'add', 'sum'])
    for (const n of g.nodes) for (const i of n.inputs) expect(i).toBeLessThan(n.id)
    expect(g.inputs).toEqual([0, 1])
    expect(g.outputs).toEqual([5])
  })
  it('prints and exports DOT', () => {
    expect(showGraph(g)).toBe(
      ['%0 = input : float32[2]  # w', '%1 = input : float32[]  # b', '%2 = const[2] : float32[]', '%3 = mul %0 %2 : float32[2]', '%4 = add %3 %1 : float32[2]', '%5 = sum[axes [0]] %4 : float32[]  # out'].join('\n'),
    )
    const dot = toDot(g)
    expect(dot).toContain('n0 -> n3;')
    expect(dot).toContain('shape=doubleoctagon')
  })
})
