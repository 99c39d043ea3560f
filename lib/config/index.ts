/**
 * Process configuration: one TOML file per process, validated by a zod schema, overridable by
 * environment variables (`XLATTICE_<SECTION>_<KEY>`) and command-line flags.
 * Precedence: flag > environment > file > default. See docs/configuration.md.
 */
export { defaultConfig, type LoadOptions, loadConfig } from './load.js'
export { renderDefaultToml } from './render.js'
export { type Config, configSchema, LOG_LEVELS, type Role, ROLES } from './schema.js'
export { type HostPort, isLoopbackHost, parseHostPort } from './values.js'
export { type XmppAttachment, xmppAttachment } from './xmpp.js'
