export {
  loadConfig,
  describeConfig,
  type KysoConfig,
  type DatabaseConfig,
  type LoadConfigOptions,
  type ConfigOverrides,
} from './load-config.js';
export { OPTIONS, renderConfigMarkdown, type LogLevel, type OptionDef } from './options.js';
export { isLoopbackUrl, persistPublicUrl, readPersistedPublicUrl, type PublicUrlSource } from './public-url.js';
