import { TensorError } from './errors.js'

/**
 * Run-time checks of what JavaScript callers pass, for the messages of
 * `TensorError`: the types say what an argument is, but a caller without
 * TypeScript (or with a cast) can pass anything, and must get an error naming
 * the function, the argument and the value — never a TypeError from deep inside.
 */

/** A value as an error message shows it: strings quoted, arrays and objects by kind. @internal */
export const describe = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v)
  if (v === null || typeof v !== 'object') return String(v)
  if (Array.isArray(v)) return 'an array'
  const proto = Object.getPrototypeOf(v) as { readonly constructor?: { readonly name?: unknown } } | null
  const name = proto?.constructor?.name
  return `an object (${typeof name === 'string' && name !== '' ? name : 'no prototype'})`
}

/** Whether `v` is an array (for arguments typed as arrays that a JavaScript caller may not have passed as one). @internal */
export const isArray = (v: unknown): v is readonly unknown[] => Array.isArray(v)

/** Whether `v` is a plain options object (not null, not an array). @internal */
export const isOptions = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The options object of an op, checked: anything but a plain object is an error naming the op. @internal */
export const optionsOf = <O extends object>(op: string, options: O): O => {
  const given: unknown = options
  if (!isOptions(given)) throw new TensorError(op, `options must be an object such as { axis }, got ${describe(options)}`)
  return options
}
