/** The parameter-tree behaviour the optimizers rely on (src/tree). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tensor, type Tensor, type Tree, tree, add, grad, io, jvp, mul, optim, sum, vjp } from 'grad-ts'

describe('parameter trees: interfaces are trees too', () => {
  interface Layer { w: Tensor; b: Tensor }
  interface Model { layers: readonly Layer[]; scale: Tensor }
  const model: Model = { layers: [{ w: tensor([1, 2]), b: tensor([3, 4]) }], scale: tensor(2) }

  it('grad, vjp, jvp, tree.map, applyUpdates, optimizers and checkpoints accept an interface and return it', () => {
    const loss = (m: Model) => sum(mul(mul(m.layers[0]!.w, m.layers[0]!.b), m.scale))
    const g: Model = grad(loss)(model)
    expect(Array.from(g.layers[0]!.w.toTypedArray())).toEqual([6, 8])
    const [, pullback] = vjp(loss, model)
    const back: Model = pullback(tensor(1))
    expect(back.scale.item()).toBe(11)
    const [, dy] = jvp(loss, model, g)
    expect(dy.item()).toBeGreaterThan(0)
    const mapped: Model = tree.map((x) => add(x, 1))(model)
    expect(mapped.scale.item()).toBe(3)
    const tx = optim.sgd(0.5)
    const [updates] = tx.update(g, tx.init(model), model)
    const next: Model = optim.applyUpdates(model, updates)
    expect(next.scale.item()).toBe(2 - 0.5 * 11)
    const restored = io.decodeCheckpoint(model, io.encodeCheckpoint(model))
    expect(restored._tag).toBe('Right')
  })

  it('a property that is not a tree is a type error, and a TensorError at run time', () => {
    interface Bad { w: Tensor; n: number }
    const bad: Bad = { w: tensor([1]), n: 1 }
    // @ts-expect-error n is a number, not a tree
    expect(() => grad((b: Bad) => sum(b.w))(bad)).toThrow('grad: n is not a tensor, array or plain record (got 1)')
  })
})

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
    expect(() => tree.flatten(new Params() as unknown as Tree)).toThrow('tree.flatten: the tree is not a tensor, array or plain record (got an object (Params))')
    expect(() => tree.flatten({ w: new Map() } as unknown as Tree)).toThrow('tree.flatten: w is not a tensor, array or plain record (got an object (Map))')
  })
})

describe('structure checks compare structure, not printed paths', () => {
  const errorOf = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      return (e as Error).message
    }
    return 'no error'
  }
  const x = tensor([1])

  it('a dotted key is not a nested record, though both print as a.b', () => {
    expect(tree.flatten({ 'a.b': x }).map((l) => l.path)).toEqual(tree.flatten({ a: { b: x } }).map((l) => l.path))
    expect(errorOf(() => tree.zipWith(add)({ 'a.b': x }, { a: { b: x } }))).toBe(
      'tree.zipWith: the trees differ in structure at the root: the first is a record with key "a.b", the second a record with key "a"',
    )
    expect(errorOf(() => optim.applyUpdates<Tree>({ a: { b: x } }, { 'a.b': x }))).toBe(
      'optim.applyUpdates: updates and params differ in structure at the root: updates is a record with key "a.b", params is a record with key "a"',
    )
    expect(errorOf(() => optim.applyUpdates<Tree>({ l: [{ 'a.b': x }] }, { l: [{ a: { b: x } }] }))).toBe(
      'optim.applyUpdates: updates and params differ in structure at l.0: updates is a record with key "a", params is a record with key "a.b"',
    )
  })

  it('records must have their keys in the same order', () => {
    const wb = { w: tensor([1, 2]), b: tensor([3]) }
    const bw = { b: tensor([3]), w: tensor([1, 2]) }
    expect(errorOf(() => tree.zipWith(add)({ layers: [wb] }, { layers: [bw] }))).toBe(
      'tree.zipWith: the trees differ in structure at layers.0: the first is a record with keys "w", "b", the second a record with keys "b", "w"',
    )
    expect(errorOf(() => optim.applyUpdates({ layers: [wb] }, { layers: [bw] }))).toBe(
      'optim.applyUpdates: updates and params differ in structure at layers.0: updates is a record with keys "b", "w", params is a record with keys "w", "b"',
    )
    const tx = optim.momentum({ learningRate: 0.1, momentum: 0.9 })
    expect(errorOf(() => tx.update(bw, tx.init(wb), bw))).toBe(
      'optim.momentum: velocity and gradients differ in structure at the root: velocity is a record with keys "w", "b", gradients is a record with keys "b", "w"',
    )
  })

  it('kinds of node and array lengths', () => {
    expect(errorOf(() => tree.zipWith(add)<Tree>([x, x], { w: x }))).toBe('tree.zipWith: the trees differ in structure at the root: the first is an array of 2, the second a record with key "w"')
    expect(errorOf(() => tree.zipWith(add)({ l: [x] }, { l: [x, x] }))).toBe('tree.zipWith: the trees differ in structure at l: the first is an array of 1, the second an array of 2')
    expect(errorOf(() => optim.applyUpdates<Tree>({ w: x }, { w: { v: x } }))).toBe(
      'optim.applyUpdates: updates and params differ in structure at w: updates is a record with key "v", params is a tensor',
    )
    expect(errorOf(() => tree.zipWith(add)<Tree>({}, { w: x }))).toBe('tree.zipWith: the trees differ in structure at the root: the first is an empty record, the second a record with key "w"')
    // One structure, any leaves: zipWith combines them.
    expect(tree.zipWith(add)({ 'a.b': x, c: [x] }, { 'a.b': x, c: [x] }).c[0].item()).toBe(2)
  })
})

describe('tree.leaves, tree.map with paths and tree.zerosLike', () => {
  interface Layer { w: Tensor; b: Tensor }
  interface Model { layers: readonly Layer[]; scale: Tensor }
  const model: Model = { layers: [{ w: tensor([[1, 2]], 'float64'), b: tensor([3]) }, { w: tensor([[-1], [2]]), b: tensor([0.5], 'float64') }], scale: tensor(2) }

  it('leaves are the flatten order: arrays by index, records by key order (jax.tree_util.tree_leaves)', () => {
    expect(tree.leaves(model).map((l) => l.toTypedArray()[0])).toEqual([1, 3, -1, 0.5, 2])
    expect(tree.leaves(tensor([7]))).toHaveLength(1)
    expect(tree.leaves({})).toHaveLength(0)
  })

  it('map calls f(leaf, path) in leaf order, keeps the structure and the type (jax.tree_util.tree_map_with_path)', () => {
    const seen: string[] = []
    const out: Model = tree.map((x, path) => {
      seen.push(path)
      return path.endsWith('.b') ? mul(x, 10) : x
    })(model)
    expect(seen).toEqual(['layers.0.w', 'layers.0.b', 'layers.1.w', 'layers.1.b', 'scale'])
    expect(out.layers[1]!.b.item()).toBe(5)
    expect(out.layers[0]!.w).toBe(model.layers[0]!.w)
    expect(Object.keys(out)).toEqual(['layers', 'scale'])
    expect(tree.map((x, p) => (p === '' ? add(x, 1) : x))(tensor([1])).item()).toBe(2)
  })

  it('zerosLike keeps structure, shapes and dtypes, gives +0, and is typed like its argument', () => {
    const z: Model = tree.zerosLike(model)
    expect(tree.flatten(z).map((l) => `${l.path}:${l.value.dtype}[${l.value.shape.join(',')}]`)).toEqual(
      tree.flatten(model).map((l) => `${l.path}:${l.value.dtype}[${l.value.shape.join(',')}]`),
    )
    expect(tree.leaves(z).every((l) => Array.from(l.toTypedArray()).every((v) => Object.is(v, 0)))).toBe(true)
    expect(tree.zerosLike(tensor([1, 2], 'int32')).dtype).toBe('int32')
  })

  it('malformed trees are errors naming the function', () => {
    const errorOf = (f: () => unknown): string => {
      try {
        f()
      } catch (e) {
        return (e as Error).message
      }
      throw new Error('expected an error')
    }
    expect(errorOf(() => tree.map((x) => x)({ w: 3 } as never))).toBe('tree.map: w is not a tensor, array or plain record (got 3)')
    expect(errorOf(() => tree.zerosLike({ w: [null] } as never))).toBe('tree.zerosLike: w.0 is not a tensor, array or plain record (got null)')
  })
})
