export type {
  ConfigIssue,
  EnvVars,
  JobConfig,
  LinkIndexConfig,
  LoadConfigOptions,
  LoadedConfig,
  MapperPaths,
  ParsedConfig,
  ParsedJobConfig,
  ScheduleConfig,
  SideConfig,
} from './config-types.js';
export { loadConfig, DOTENV_FILE } from './load-config.js';
export { parseConfigText } from './parse-config-text.js';
export { adapterPluginOf } from './load-adapters.js';
export { ConfigFileError, isConfigFileError, formatConfigIssue } from './config-file-error.js';
export { describeConfig, redactSide, REDACTED, secretValuesOfSide, urlPassword } from './describe-config.js';
export { configJsonSchema, renderConfigJsonSchema } from './json-schema.js';
export { configFileSchema, JOB_ID_PATTERN, SIDE_NAME_PATTERN } from './config-schema.js';
export type { ConfigFileInput, ConfigFileOutput } from './config-schema.js';
export { DEFAULT_PGLITE_DIR } from '@syncframe/linkindex/config';
