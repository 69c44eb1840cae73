/**
 * The one error class for programmer errors: shape, dtype, axis and argument
 * mistakes. The message always starts with the op's name.
 *
 * @example
 * import { TensorError, tensor, matmul } from 'grad-ts'
 * try {
 *   matmul(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1], [2]]))
 * } catch (e) {
 *   console.assert(e instanceof TensorError && e.op === 'matmul')
 * }
 * @since 0.1.0
 */
export class TensorError extends Error {
  override readonly name = 'TensorError'
  constructor(
    /** The op that rejected its arguments, e.g. `matmul`. */
    readonly op: string,
    /** What was wrong, naming shapes and dtypes. */
    readonly detail: string,
  ) {
    super(`${op}: ${detail}`)
  }
}

/** Formats a shape the way error messages print it: `[2,3]`. @internal */
export const fmtShape = (shape: readonly number[]): string => `[${shape.join(',')}]`
