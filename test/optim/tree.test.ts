/** The parameter-tree behaviour the optimizers rely on (src/tree). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tensor, type Tensor, type Tree, tree, add } from 'grad-ts'

describe('parameter trees: records', () => {
  it('accept prototype-less records (Object.create(null), fc.record) and rebuild object literals', () => {
    const dict = Object.assign(Object.create(null) as Record<string, Tensor>, { w: tensor([1, 2]), b: tensor([3]) })
    expect(tree.flatten(dict).map((l) => l.path)).toEqual(['w', 'b'])
    const doubled = tree.map((x) => add(x, x))(dict)
    expect(Object.getPrototypeOf(doubled)).toBe(Object.prototype)
    expect(Array.from(doubled.w.toTypedArray())).toEqual([2, 4])
    fc.assert(
      fc.property(fc.record({ w: fc.constant(tensor([1])), b: fc.constant(tensor([2])) }), (r) => tree.count(r as Tree) === 2),
      { numRuns: 5 },
    )
  })

  it('keep a key named __proto__ as a key when rebuilding', () => {
    const t = JSON.parse('{"__proto__": 0, "b": 1}') as Record<string, unknown>
    const withTensors = tree.unflatten({ ...Object.fromEntries(Object.keys(t).map((k) => [k, tensor([0])])) }, [tensor([7]), tensor([8])]) as Record<string, Tensor>
    expect(Object.keys(withTensors)).toEqual(['__proto__', 'b'])
    expect(Object.getPrototypeOf(withTensors)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(withTensors, '__proto__')?.value).toBeInstanceOf(Object)
    expect(tree.flatten(withTensors).map((l) => `${l.path}=${String(l.value.item())}`)).toEqual(['__proto__=7', 'b=8'])
  })

  it('still refuse class instances and other values', () => {
    class Params {
      w = tensor([1])
    }
    expect(() => tree.flatten(new Params() as unknown as Tree)).toThrow('tree.flatten: the tree is not a tensor, array or plain record (got object)')
    expect(() => tree.flatten({ w: new Map() } as unknown as Tree)).toThrow('tree.flatten: w is not a tensor, array or plain record (got object)')
  })
})
