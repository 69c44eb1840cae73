/**
 * Explicit randomness: JAX-compatible keys (threefry2x32, partitionable
 * mode), samplers that take a key, and the `Random` effect that threads keys
 * for you. Imported as the `random` namespace of grad-ts.
 *
 * @example
 * import { random } from 'grad-ts'
 * const [next, sub] = random.split(random.key(0))
 * const mask = random.bernoulli(sub!, 0.8, [4])
 * console.assert(mask.dtype === 'bool' && random.isKey(next))
 * @since 0.1.0
 *
 * @module
 */
export { threefry2x32 } from '../backend/js/threefry.js'
export { type Key, type KeyArray, isKey, key, keyData, wrapKeyData, keyEq, split, foldIn, clone, checkKeyReuse } from './key.js'
export { type UniformOptions, bits, uniform, normal, bernoulli } from './sample.js'
export { randint } from './integers.js'
export { truncatedNormal } from './truncated.js'
export { type CategoricalOptions, type ChoiceOptions, gumbel, categorical, choice } from './categorical.js'
export { type PermutationOptions, permutation } from './shuffle.js'
export {
  type Random,
  type Results,
  type NonEmpty,
  URI,
  of,
  map,
  ap,
  chain,
  flatMap,
  chainRec,
  tailRec,
  run,
  evaluate,
  execute,
  Functor,
  Apply,
  Applicative,
  Chain,
  Monad,
  ChainRec,
  sequenceT,
  sequenceS,
  traverseArray,
  traverseRecord,
  keyR,
  bitsR,
  uniformR,
  normalR,
  bernoulliR,
  randintR,
  truncatedNormalR,
  gumbelR,
  categoricalR,
  choiceR,
  permutationR,
} from './random.js'
