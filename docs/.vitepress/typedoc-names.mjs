// @ts-check
/**
 * A TypeDoc plugin that names the reference's modules by their import
 * specifiers (`grad-ts`, `grad-ts/laws`, `grad-ts/node`) instead of the
 * folders TypeDoc infers from the entry points' paths.
 */
import { Converter } from 'typedoc'

/** @type {Readonly<Record<string, string>>} */
const names = { src: 'grad-ts', laws: 'grad-ts/laws', 'src/node': 'grad-ts/node' }

/** @param {import('typedoc').Application} app */
export const load = (app) => {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const m of context.project.children ?? []) m.name = names[m.name] ?? m.name
  })
}
