/**
 * A small typed WebAssembly emitter: modules are built in TypeScript at run
 * time, one function per kernel, so kernels can be specialised to the shapes
 * and the fused expression they compute (the ground a later `jit` stands on).
 * It knows the binary format (sections, LEB128, value and function types)
 * and the instructions grad-ts's kernels use — integer, float, memory,
 * control and SIMD128 — each a method that appends its encoding and keeps the
 * operand types honest through TypeScript (a local has a type; `v128` values
 * come from SIMD loads and ops only).
 *
 * Why an emitter rather than WAT compiled at build time: the kernels are
 * specialised at run time (tile sizes, unrolled loops, fused elementwise
 * expressions) and the package must build from its own source with only
 * `npm ci` — no wabt binary and no committed `.wasm`.
 */

/** WebAssembly value types. @internal */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128'

const VALTYPE: Readonly<Record<ValType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b }

/** Appends the unsigned LEB128 encoding of `n`. */
const uleb = (out: number[], n: number): void => {
  let v = n >>> 0
  do {
    let byte = v & 0x7f
    v >>>= 7
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
}

/** Appends the signed LEB128 encoding of a 32-bit `n`. */
const sleb = (out: number[], n: number): void => {
  let v = n | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return
    }
    out.push(byte | 0x80)
  }
}

const f32Bytes = (x: number): number[] => Array.from(new Uint8Array(new Float32Array([x]).buffer))
const f64Bytes = (x: number): number[] => Array.from(new Uint8Array(new Float64Array([x]).buffer))
const nameBytes = (s: string): number[] => {
  const b = Array.from(new TextEncoder().encode(s))
  const out: number[] = []
  uleb(out, b.length)
  return [...out, ...b]
}

/** A local variable of a function, typed. @internal */
export interface Local<T extends ValType = ValType> {
  readonly index: number
  readonly type: T
}

/** The body of one function: its locals and instructions, appended in order. @internal */
export class FunctionBuilder {
  readonly code: number[] = []
  private readonly extra: ValType[] = []
  readonly params: readonly Local[]

  constructor(
    readonly name: string,
    paramTypes: readonly ValType[],
    readonly results: readonly ValType[],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }))
  }

  /** A fresh local of type `t`. */
  local<T extends ValType>(t: T): Local<T> {
    this.extra.push(t)
    return { index: this.params.length + this.extra.length - 1, type: t }
  }

  /** The encoded body: locals (grouped by type) and code. */
  body(): number[] {
    const groups: [number, ValType][] = []
    for (const t of this.extra) {
      const last = groups[groups.length - 1]
      if (last !== undefined && last[1] === t) last[0]++
      else groups.push([1, t])
    }
    const out: number[] = []
    uleb(out, groups.length)
    for (const [n, t] of groups) {
      uleb(out, n)
      out.push(VALTYPE[t])
    }
    out.push(...this.code, 0x0b)
    return out
  }

  /** Applies an emitting function in a chain: `f.get(x).pipe(emitOp).set(y)`. */
  pipe(emit: (f: this) => unknown): this {
    emit(this)
    return this
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes)
    return this
  }

  private simd(opcode: number, ...imm: number[]): this {
    this.code.push(0xfd)
    uleb(this.code, opcode)
    this.code.push(...imm)
    return this
  }

  private memarg(align: number, offset: number): number[] {
    const out: number[] = []
    uleb(out, align)
    uleb(out, offset)
    return out
  }

  // ------------------------------------------------------------ variables and constants
  get(l: Local): this { this.code.push(0x20); uleb(this.code, l.index); return this }
  set(l: Local): this { this.code.push(0x21); uleb(this.code, l.index); return this }
  tee(l: Local): this { this.code.push(0x22); uleb(this.code, l.index); return this }
  i32Const(n: number): this { this.code.push(0x41); sleb(this.code, n); return this }
  f32Const(x: number): this { return this.op(0x43, ...f32Bytes(x)) }
  f64Const(x: number): this { return this.op(0x44, ...f64Bytes(x)) }
  drop(): this { return this.op(0x1a) }
  select(): this { return this.op(0x1b) }

  // ------------------------------------------------------------ control
  /** `block … end` (a forward branch target); `br depth` leaves it. */
  block(body: () => void): this { this.op(0x02, 0x40); body(); return this.op(0x0b) }
  /** `loop … end` (a backward branch target); `br depth` repeats it. */
  loop(body: () => void): this { this.op(0x03, 0x40); body(); return this.op(0x0b) }
  /** `if … (else …) end` on the i32 on the stack. */
  if(then: () => void, otherwise?: () => void): this {
    this.op(0x04, 0x40)
    then()
    if (otherwise !== undefined) {
      this.op(0x05)
      otherwise()
    }
    return this.op(0x0b)
  }
  br(depth: number): this { this.code.push(0x0c); uleb(this.code, depth); return this }
  brIf(depth: number): this { this.code.push(0x0d); uleb(this.code, depth); return this }
  return(): this { return this.op(0x0f) }
  call(fn: number): this { this.code.push(0x10); uleb(this.code, fn); return this }

  /**
   * `for (i = from; i < to; i += step) body()` with i32 locals: the loop
   * runs while `i <_s to`; `from`, `to` and `step` are pushed by the callbacks.
   */
  forLoop(i: Local<'i32'>, from: () => void, to: () => void, step: number, body: () => void): this {
    from()
    this.set(i)
    return this.block(() => {
      this.loop(() => {
        this.get(i)
        to()
        this.i32GeS().brIf(1)
        body()
        this.get(i).i32Const(step).i32Add().set(i)
        this.br(0)
      })
    })
  }

  // ------------------------------------------------------------ i32
  i32Add(): this { return this.op(0x6a) }
  i32Sub(): this { return this.op(0x6b) }
  i32Mul(): this { return this.op(0x6c) }
  i32DivS(): this { return this.op(0x6d) }
  i32RemS(): this { return this.op(0x6f) }
  i32And(): this { return this.op(0x71) }
  i32Or(): this { return this.op(0x72) }
  i32Xor(): this { return this.op(0x73) }
  i32Shl(): this { return this.op(0x74) }
  i32ShrS(): this { return this.op(0x75) }
  i32ShrU(): this { return this.op(0x76) }
  i32Rotl(): this { return this.op(0x77) }
  i32Eqz(): this { return this.op(0x45) }
  i32Eq(): this { return this.op(0x46) }
  i32Ne(): this { return this.op(0x47) }
  i32LtS(): this { return this.op(0x48) }
  i32LtU(): this { return this.op(0x49) }
  i32GtS(): this { return this.op(0x4a) }
  i32LeS(): this { return this.op(0x4c) }
  i32GeS(): this { return this.op(0x4e) }
  i32Load(offset = 0): this { return this.op(0x28, ...this.memarg(2, offset)) }
  i32Store(offset = 0): this { return this.op(0x36, ...this.memarg(2, offset)) }
  i32Load8U(offset = 0): this { return this.op(0x2d, ...this.memarg(0, offset)) }
  i32Store8(offset = 0): this { return this.op(0x3a, ...this.memarg(0, offset)) }
  i32Store16(offset = 0): this { return this.op(0x3b, ...this.memarg(1, offset)) }

  // ------------------------------------------------------------ f32 / f64 scalars
  f32Load(offset = 0): this { return this.op(0x2a, ...this.memarg(2, offset)) }
  f32Store(offset = 0): this { return this.op(0x38, ...this.memarg(2, offset)) }
  f64Load(offset = 0): this { return this.op(0x2b, ...this.memarg(3, offset)) }
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f) }
  f32x4DemoteF64x2Zero(): this { return this.simd(0x5e) }
  f64Store(offset = 0): this { return this.op(0x39, ...this.memarg(3, offset)) }
  f32Add(): this { return this.op(0x92) }
  f32Sub(): this { return this.op(0x93) }
  f32Mul(): this { return this.op(0x94) }
  f32Div(): this { return this.op(0x95) }
  f32Min(): this { return this.op(0x96) }
  f32Max(): this { return this.op(0x97) }
  f32Abs(): this { return this.op(0x8b) }
  f32Neg(): this { return this.op(0x8c) }
  f32Sqrt(): this { return this.op(0x91) }
  f32Lt(): this { return this.op(0x5d) }
  f32Gt(): this { return this.op(0x5e) }
  f32Ne(): this { return this.op(0x5c) }
  f64Add(): this { return this.op(0xa0) }
  f64Sub(): this { return this.op(0xa1) }
  f64Mul(): this { return this.op(0xa2) }
  f64Div(): this { return this.op(0xa3) }
  f64Min(): this { return this.op(0xa4) }
  f64Max(): this { return this.op(0xa5) }
  f64Abs(): this { return this.op(0x99) }
  f64Neg(): this { return this.op(0x9a) }
  f64Sqrt(): this { return this.op(0x9f) }
  f64Lt(): this { return this.op(0x63) }
  f64Gt(): this { return this.op(0x64) }
  f64Ne(): this { return this.op(0x62) }
  f32DemoteF64(): this { return this.op(0xb6) }
  f64PromoteF32(): this { return this.op(0xbb) }
  f32ConvertI32S(): this { return this.op(0xb2) }
  f32ConvertI32U(): this { return this.op(0xb3) }
  f64ConvertI32U(): this { return this.op(0xb8) }
  f32ReinterpretI32(): this { return this.op(0xbe) }

  // ------------------------------------------------------------ SIMD128
  v128Load(offset = 0): this { return this.simd(0x00, ...this.memarg(4, offset)) }
  v128Store(offset = 0): this { return this.simd(0x0b, ...this.memarg(4, offset)) }
  v128Load32Splat(offset = 0): this { return this.simd(0x09, ...this.memarg(2, offset)) }
  v128Load64Splat(offset = 0): this { return this.simd(0x0a, ...this.memarg(3, offset)) }
  v128Const(bytes: readonly number[]): this { return this.simd(0x0c, ...bytes) }
  v128Load32Zero(offset = 0): this { return this.simd(0x5c, ...this.memarg(2, offset)) }
  i16x8ExtendLowI8x16U(): this { return this.simd(0x89) }
  i32x4ExtendLowI16x8U(): this { return this.simd(0xa9) }
  i32x4Neg(): this { return this.simd(0xa1) }
  /** Lanes of the result, each an index into the 32 bytes of the two operands. */
  i8x16Shuffle(lanes: readonly number[]): this { return this.simd(0x0d, ...lanes) }
  i32x4Splat(): this { return this.simd(0x11) }
  f32x4Splat(): this { return this.simd(0x13) }
  f64x2Splat(): this { return this.simd(0x14) }
  f32x4ExtractLane(lane: number): this { return this.simd(0x1f, lane) }
  f64x2ExtractLane(lane: number): this { return this.simd(0x21, lane) }
  i32x4ExtractLane(lane: number): this { return this.simd(0x1b, lane) }
  i32x4Eq(): this { return this.simd(0x37) }
  f32x4Eq(): this { return this.simd(0x41) }
  f32x4Ne(): this { return this.simd(0x42) }
  f32x4Lt(): this { return this.simd(0x43) }
  f32x4Gt(): this { return this.simd(0x44) }
  f32x4Le(): this { return this.simd(0x45) }
  f32x4Ge(): this { return this.simd(0x46) }
  f64x2Eq(): this { return this.simd(0x47) }
  f64x2Ne(): this { return this.simd(0x48) }
  f64x2Lt(): this { return this.simd(0x49) }
  f64x2Gt(): this { return this.simd(0x4a) }
  f64x2Le(): this { return this.simd(0x4b) }
  f64x2Ge(): this { return this.simd(0x4c) }
  i8x16NarrowI16x8S(): this { return this.simd(0x65) }
  i16x8NarrowI32x4S(): this { return this.simd(0x85) }
  v128Not(): this { return this.simd(0x4d) }
  v128And(): this { return this.simd(0x4e) }
  v128AndNot(): this { return this.simd(0x4f) }
  v128Or(): this { return this.simd(0x50) }
  v128Xor(): this { return this.simd(0x51) }
  v128Bitselect(): this { return this.simd(0x52) }
  i32x4Shl(): this { return this.simd(0xab) }
  i32x4ShrU(): this { return this.simd(0xad) }
  i32x4Add(): this { return this.simd(0xae) }
  i32x4Sub(): this { return this.simd(0xb1) }
  i32x4Mul(): this { return this.simd(0xb5) }
  f32x4Abs(): this { return this.simd(0xe0) }
  f32x4Neg(): this { return this.simd(0xe1) }
  f32x4Sqrt(): this { return this.simd(0xe3) }
  f32x4Add(): this { return this.simd(0xe4) }
  f32x4Sub(): this { return this.simd(0xe5) }
  f32x4Mul(): this { return this.simd(0xe6) }
  f32x4Div(): this { return this.simd(0xe7) }
  f32x4Min(): this { return this.simd(0xe8) }
  f32x4Max(): this { return this.simd(0xe9) }
  f64x2Abs(): this { return this.simd(0xec) }
  f64x2Neg(): this { return this.simd(0xed) }
  f64x2Sqrt(): this { return this.simd(0xef) }
  f64x2Add(): this { return this.simd(0xf0) }
  f64x2Sub(): this { return this.simd(0xf1) }
  f64x2Mul(): this { return this.simd(0xf2) }
  f64x2Div(): this { return this.simd(0xf3) }
  f64x2Min(): this { return this.simd(0xf4) }
  f64x2Max(): this { return this.simd(0xf5) }
  f32x4ConvertI32x4U(): this { return this.simd(0xfb) }
}

/** The memory a module imports: shared (for worker threads) or not, in 64 KiB pages. @internal */
export interface MemoryImport {
  readonly initial: number
  readonly maximum: number
  readonly shared: boolean
}

/** A module of functions that all import one memory (`env.memory`) and are exported by name. @internal */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = []

  constructor(private readonly memory: MemoryImport) {}

  /** A new exported function; its index is its order of creation. */
  fn(name: string, params: readonly ValType[], results: readonly ValType[] = []): FunctionBuilder {
    const f = new FunctionBuilder(name, params, results)
    this.functions.push(f)
    return f
  }

  /** The exported functions' names, in index order. */
  names(): readonly string[] {
    return this.functions.map((f) => f.name)
  }

  /** The module's bytes. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
    const section = (id: number, content: number[]): void => {
      out.push(id)
      uleb(out, content.length)
      out.push(...content)
    }
    const vec = (items: readonly number[][]): number[] => {
      const v: number[] = []
      uleb(v, items.length)
      for (const i of items) v.push(...i)
      return v
    }
    // One type per function (duplicates are allowed and keep indices simple).
    section(1, vec(this.functions.map((f) => {
      const t = [0x60]
      uleb(t, f.params.length)
      for (const p of f.params) t.push(VALTYPE[p.type])
      uleb(t, f.results.length)
      for (const r of f.results) t.push(VALTYPE[r])
      return t
    })))
    const limits: number[] = [this.memory.shared ? 0x03 : 0x01]
    uleb(limits, this.memory.initial)
    uleb(limits, this.memory.maximum)
    section(2, vec([[...nameBytes('env'), ...nameBytes('memory'), 0x02, ...limits]]))
    section(3, vec(this.functions.map((_, i) => {
      const t: number[] = []
      uleb(t, i)
      return t
    })))
    section(7, vec(this.functions.map((f, i) => {
      const e = [...nameBytes(f.name), 0x00]
      uleb(e, i)
      return e
    })))
    section(10, vec(this.functions.map((f) => {
      const b = f.body()
      const sized: number[] = []
      uleb(sized, b.length)
      return [...sized, ...b]
    })))
    return new Uint8Array(out)
  }
}
