/**
 * Shapes without computing: evalShape and trace stage a function on avals, so
 * no kernel runs and nothing is allocated, and the graph comes from avals alone.
 */
import { describe, expect, it } from 'vitest'
import {
  TensorError, evalShape, grad, matmul, mean, mul, nn, random, relu, softmaxCrossEntropy, sum, tensor, trace, vmap, zeros, add, type Tensor,
} from '../../src/index.js'
import { installBackend } from '../../src/backend/backend.js'
import { jsBackend } from '../../src/backend/js/index.js'

/** A backend that refuses to run anything: evalShape must not need it. */
const refusing = {
  ...jsBackend,
  name: 'refusing',
  prepare: () => { throw new Error('a kernel was prepared') },
  dispatch: () => { throw new Error('a kernel was dispatched') },
}

const withoutKernels = <T>(f: () => T): T => {
  const previous = installBackend(refusing)
  try {
    return f()
  } finally {
    installBackend(previous)
  }
}

describe('evalShape', () => {
  it('answers a 100000×100000 matmul at once, without running or allocating anything', () => {
    const a = { shape: [100000, 100000], dtype: 'float32' } as const
    const t0 = performance.now()
    const out = withoutKernels(() => evalShape((x: Tensor) => relu(matmul(x, x)))(a))
    expect(out).toEqual({ shape: [100000, 100000], dtype: 'float32' })
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  it('takes trees of tensors and avals and returns the output tree of avals', () => {
    const loss = (p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) => softmaxCrossEntropy(add(matmul(x, p.w), p.b), y)
    const out = withoutKernels(() =>
      evalShape((p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) => ({ loss: loss(p, x, y), g: grad(loss)(p, x, y) }))(
        { w: { shape: [784, 10], dtype: 'float32' }, b: { shape: [10], dtype: 'float32' } },
        { shape: [128, 784], dtype: 'float32' },
        { shape: [128], dtype: 'int32' },
      ),
    )
    expect(out).toEqual({ loss: { shape: [], dtype: 'float32' }, g: { w: { shape: [784, 10], dtype: 'float32' }, b: { shape: [10], dtype: 'float32' } } })
  })

  it('composes with vmap and random draws (keys as avals too)', () => {
    const f = (k: random.Key) => random.evaluate(k)(nn.dropout({ keep: 0.5 })(zeros([3, 4])))
    const out = evalShape((keys: Tensor) => vmap(f)(keys as random.Key))({ shape: [100, 2], dtype: 'int32' })
    expect(out).toEqual({ shape: [100, 3, 4], dtype: 'float32' })
  })

  it("equals the avals of the real output (the evalShape law's known answers)", () => {
    const f = (x: Tensor) => [mean(x, { axis: 0 }), mul(x, 2), sum(x, { keepdims: true })]
    const x = tensor([[1, 2, 3], [4, 5, 6]], 'float64')
    const real = f(x).map((t) => ({ shape: t.shape, dtype: t.dtype }))
    expect(evalShape(f)({ shape: [2, 3], dtype: 'float64' })).toEqual(real)
    expect(evalShape(f)(x)).toEqual(real)
  })

  it('reading an element inside is a TensorError that says why', () => {
    expect(() => evalShape((x: Tensor) => tensor(x.item()))({ shape: [], dtype: 'float32' })).toThrow(TensorError)
    expect(() => evalShape((x: Tensor) => tensor(x.item()))({ shape: [], dtype: 'float32' })).toThrow(/item: a value inside evalShape has no elements to read/)
  })

  it('bad shapes are still TensorErrors naming the op', () => {
    expect(() => evalShape((x: Tensor) => matmul(x, x))({ shape: [2, 3], dtype: 'float32' })).toThrow(/^matmul: \[2,3\] × \[2,3\]: inner dimensions 3 ≠ 2/)
  })
})

describe('trace builds the graph from avals alone', () => {
  it('without running a kernel, from an aval or a tensor alike', () => {
    const f = (x: Tensor) => add(mul(x, x), 1)
    const fromAval = withoutKernels(() => trace(f)({ shape: [2], dtype: 'float32' }))
    const fromTensor = trace(f)(tensor([1, 2]))
    expect(fromAval.nodes.map((n) => n.op)).toEqual(['input', 'mul', 'const', 'add'])
    expect(fromAval).toEqual(fromTensor)
  })

  it('keeps only what the outputs need, and shows the graph of a gradient', () => {
    const g = trace((x: Tensor) => {
      mul(x, 3) // dead: not an output
      return grad((v: Tensor) => sum(mul(v, v)))(x)
    })({ shape: [3], dtype: 'float64' })
    expect(g.nodes.some((n) => n.op === 'mul' && n.inputs.length === 2 && g.nodes[n.inputs[1]!]!.params === '3')).toBe(false)
    expect(g.outputs.length).toBe(1)
    expect(g.nodes[g.outputs[0]!]!.shape).toEqual([3])
  })
})
