export * from './types.js'
export { LevelStore } from './level.js'
export { MemoryStore } from './memory.js'
export { GroupCommit, type GroupCommitOptions } from './group-commit.js'
