/** What the tests expect of a bad call: a TensorError, whose message they then check word for word. */
import { TensorError } from '../src/core/errors.js'

/** The TensorError `f` throws; any other error is rethrown, and returning normally fails the test. */
export const tensorErrorOf = (f: () => unknown): TensorError => {
  try {
    f()
  } catch (e) {
    if (e instanceof TensorError) return e
    throw e
  }
  throw new Error('expected a TensorError')
}

/** The message of the TensorError `f` throws. */
export const errorOf = (f: () => unknown): string => tensorErrorOf(f).message
