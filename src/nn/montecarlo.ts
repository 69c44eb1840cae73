/**
 * Monte-Carlo model averaging (paper §7.5, Fig. 11): the mean prediction of
 * k thinned networks — k draws of a random prediction that share weights —
 * against the weight-scaled network's single deterministic pass.
 */
import { TensorError } from '../core/errors.js'
import type { Tensor } from '../core/tensor.js'
import { add, div } from '../ad/ops/elementwise.js'
import type { Random } from '../random/random.js'
import * as R from '../random/random.js'

/**
 * Monte-Carlo averages at several k from one stream of thinned networks:
 * element i is the mean of the first `ks[i]` draws (so the estimates are
 * nested, as in a running average). `ks` must increase.
 * @example
 * import { nn, random, tensor, type Tensor } from 'grad-ts'
 * const coin = random.map((m: Tensor) => m.toTypedArray()[0] ? tensor([1]) : tensor([0]))(random.bernoulliR(0.5, [1]))
 * const [a1, a1000] = random.evaluate(random.key(0))(nn.monteCarloCurve([1, 1000])(coin))
 * console.assert((a1!.item() === 0 || a1!.item() === 1) && Math.abs(a1000!.item() - 0.5) < 0.1)
 * @since 0.1.0
 */
export const monteCarloCurve =
  (ks: readonly number[]) =>
  (prediction: Random<Tensor>): Random<readonly Tensor[]> => {
    ks.forEach((k, i) => {
      if (!Number.isSafeInteger(k) || k < 1 || (i > 0 && k <= ks[i - 1]!)) throw new TensorError('monteCarlo', `k must be increasing positive integers, got [${ks.join(', ')}]`)
    })
    return (key) => {
      const out: Tensor[] = []
      let acc: Tensor | undefined
      let next = key
      for (let i = 1, j = 0; j < ks.length; i++) {
        const [y, after] = prediction(next)
        acc = acc === undefined ? y : add(acc, y)
        next = after
        if (i === ks[j]) {
          out.push(i === 1 ? acc : div(acc, i))
          j++
        }
      }
      return [out, next]
    }
  }

/**
 * Monte-Carlo model averaging (paper §7.5, Fig. 11): the mean of k draws of a
 * random prediction — k thinned networks sharing weights.
 * @example
 * import { nn, random, ones, matmul, type Tensor } from 'grad-ts'
 * const w = ones([100, 1])
 * const thinned = (x: Tensor) => random.map((h: Tensor) => matmul(h, w))(nn.dropout({ keep: 0.5 }, { convention: 'paper' })(x))
 * const avg = random.evaluate(random.key(0))(nn.monteCarlo(200)(thinned(ones([1, 100]))))
 * console.assert(Math.abs(avg.item() - 50) < 2)
 * @since 0.1.0
 */
export const monteCarlo =
  (k: number) =>
  (prediction: Random<Tensor>): Random<Tensor> =>
    R.map((means: readonly Tensor[]) => means[0]!)(monteCarloCurve([k])(prediction))
