/**
 * CRC-32C (Castagnoli): the checksum of iSCSI (RFC 3720), ext4 and
 * Snappy-framed data, here the integrity check of checkpoints. Reflected
 * polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF; one
 * 256-entry table, one byte per step.
 * @internal
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[n] = c
  }
  return table
})()

/**
 * The CRC-32C of `bytes` as an unsigned 32-bit integer. Pass the result of
 * an earlier call as `previous` to continue over more bytes:
 * `crc32c(b, crc32c(a))` is the checksum of `a` followed by `b`.
 * @internal
 */
export const crc32c = (bytes: Uint8Array, previous = 0): number => {
  let c = ~previous
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

/** A CRC as the 8 lowercase hex digits checkpoints store. @internal */
export const crcHex = (crc: number): string => crc.toString(16).padStart(8, '0')
