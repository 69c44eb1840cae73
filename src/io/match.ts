/**
 * Matching decoded tensors (by name) against the parameter tree a caller
 * expects: names, dtypes and shapes, every mismatch at its path. A file
 * holds names, not trees, so this compares names by design: a leaf's name is
 * its `tree.flatten` path, and a `like` in which two leaves have one name
 * (`{ 'a.b': x, a: { b: y } }`) cannot be matched and is a `TensorError`.
 * @internal
 */
import * as E from 'fp-ts/lib/Either.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { shapeEq } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'
import { type TreeLike, flatten, unflatten } from '../tree/index.js'
import { DecodeError, type Issue, hasOwn, joinPath } from './errors.js'

/**
 * Checks `like` now (a malformed tree or two leaves with one name are a
 * `TensorError` of `op`, thrown before any bytes are read) and returns the
 * matcher: it builds a tree of the structure of `like` from tensors by
 * name, checking names, dtypes and shapes. @internal
 */
export const matchTree = <T extends TreeLike<T>>(op: string, like: T): ((tensors: Readonly<Record<string, Tensor>>) => E.Either<DecodeError, T>) => {
  const expected = flatten(like)
  const names = new Set<string>()
  for (const { path } of expected) {
    if (names.has(path)) throw new TensorError(op, `two leaves of the expected tree are named "${path}" (keys with dots can clash with nested keys); a file cannot tell them apart`)
    names.add(path)
  }
  return (tensors) => {
    const issues: Issue[] = []
    const values: Tensor[] = []
    const wanted = new Set<string>()
    for (const { path, value } of expected) {
      wanted.add(path)
      const got = hasOwn(tensors, path) ? tensors[path] : undefined
      if (got === undefined) {
        issues.push({ path, message: `missing from the file (expected ${value.dtype} ${fmtShape(value.shape)})` })
        continue
      }
      if (got.dtype !== value.dtype) issues.push({ path: joinPath(path, 'dtype'), message: `expected ${value.dtype}, got ${got.dtype}` })
      if (got.shape.length !== value.shape.length) {
        issues.push({ path: joinPath(path, 'shape'), message: `expected ${fmtShape(value.shape)}, got ${fmtShape(got.shape)}` })
      } else if (!shapeEq(got.shape, value.shape)) {
        value.shape.forEach((d, i) => {
          if (got.shape[i] !== d) issues.push({ path: joinPath(path, `shape[${i}]`), message: `expected ${d}, got ${got.shape[i]!}` })
        })
      }
      values.push(got)
    }
    for (const name of Object.keys(tensors)) if (!wanted.has(name)) issues.push({ path: name, message: 'in the file but not in the expected tree' })
    if (issues.length > 0) return E.left(new DecodeError(issues))
    const tree: unknown = unflatten(like, values)
    return E.right(tree as T)
  }
}
