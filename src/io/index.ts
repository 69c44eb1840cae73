/**
 * Reading and writing data from outside: io-ts codecs for dtypes, shapes,
 * tensors, parameter trees, branded probabilities and training configs
 * (decoding returns `Either<DecodeError, A>` with path-precise messages and
 * never throws), the safetensors format (`io.safetensors`), and checkpoints
 * carrying the optimizer state, training config, PRNG key and step, with a
 * CRC-32C checksum. Browser-safe: bytes in, bytes out; files are written by
 * `grad-ts/node`.
 *
 * @module
 */
export { DecodeError, type Issue, decodeWith, report } from './errors.js'
export * from './brands.js'
export { type Props, type Simplify, type StructOf, type StructOutputOf, StructType, TaggedType, pair, struct, tagged } from './combinators.js'
export {
  DType,
  Shape,
  type TensorJsonValue,
  type TensorJson,
  type TreeJson,
  type TensorDecodeOptions,
  tensorFromJson,
  TensorFromJson,
  treeFromJson,
  TreeFromJson,
  decodeDType,
  decodeShape,
  decodeTensorJson,
  decodeTreeJson,
} from './tensors.js'
export * from './config.js'
export * as safetensors from './safetensors.js'
export type { DecodeOptions, Safetensors } from './safetensors.js'
export { type Checkpoint, type CheckpointContents, type CheckpointDecodeOptions, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js'
