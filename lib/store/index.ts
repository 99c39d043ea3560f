export * from './types.js'
export { LevelStore } from './level.js'
export { MemoryStore } from './memory.js'
