/**
 * grad-ts/laws: the library's promises as predicates and fast-check
 * properties, for your own property-test suites.
 */
export * from './arbitraries.js'
export * from './gradients.js'
export * from './gradientProperties.js'
export * from './constants.js'
export * from './random.js'
export * from './dropout.js'
export * from './projection.js'
export * from './optim.js'
export * from './fuzz.js'
export * from './vmap.js'
export * from './abstract.js'
export * from './custom.js'
