/**
 * Byte-level helpers of the safetensors codec: host endianness and byte
 * swapping, code-point string order, and duplicate-key detection in JSON
 * (`JSON.parse` silently keeps the last of two equal keys; the safetensors
 * format disallows them).
 * @internal
 */

/** Whether this machine stores numbers little-endian (all common ones do). @internal */
export const hostIsLittleEndian: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Reverses the bytes of every `width`-byte element in place: little- ↔ big-endian. @internal */
export const swapInPlace = (bytes: Uint8Array, width: number): void => {
  if (width === 1) return
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const x = bytes[a]!
      bytes[a] = bytes[b]!
      bytes[b] = x
    }
  }
}

/**
 * Orders strings by Unicode code point, which is the byte order of their
 * UTF-8 encodings (Rust's `String` order); JavaScript's `<` compares UTF-16
 * code units, which differs above U+FFFF. @internal
 */
export const compareCodePoints = (a: string, b: string): number => {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!
    const cb = b.codePointAt(j)!
    if (ca !== cb) return ca - cb
    i += ca > 0xffff ? 2 : 1
    j += cb > 0xffff ? 2 : 1
  }
  return (a.length - i) - (b.length - j)
}

interface Frame {
  /** Keys seen so far, for objects; undefined for arrays. */
  readonly keys: Set<string> | undefined
  readonly path: string
  expectKey: boolean
  lastKey: string
  index: number
}

const childPath = (top: Frame | undefined): string => {
  if (top === undefined) return ''
  if (top.keys === undefined) return `${top.path}[${top.index}]`
  return top.path === '' ? top.lastKey : `${top.path}.${top.lastKey}`
}

/**
 * The first key that occurs twice in one object of a JSON text, with the
 * path of that object, or undefined. The text must already be valid JSON.
 * @internal
 */
export const findDuplicateKey = (text: string): { readonly path: string; readonly key: string } | undefined => {
  const stack: Frame[] = []
  let i = 0
  while (i < text.length) {
    const ch = text.charCodeAt(i)
    const top = stack[stack.length - 1]
    if (ch === 0x22) {
      let j = i + 1
      while (j < text.length) {
        const cj = text.charCodeAt(j)
        if (cj === 0x5c) j += 2
        else if (cj === 0x22) break
        else j++
      }
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string
        if (top.keys.has(key)) return { path: top.path, key }
        top.keys.add(key)
        top.expectKey = false
        top.lastKey = key
      }
      i = j + 1
      continue
    }
    if (ch === 0x7b) stack.push({ keys: new Set(), path: childPath(top), expectKey: true, lastKey: '', index: 0 })
    else if (ch === 0x5b) stack.push({ keys: undefined, path: childPath(top), expectKey: false, lastKey: '', index: 0 })
    else if (ch === 0x7d || ch === 0x5d) stack.pop()
    else if (ch === 0x2c && top !== undefined) {
      if (top.keys !== undefined) top.expectKey = true
      else top.index++
    }
    i++
  }
  return undefined
}
