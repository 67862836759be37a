export { ConfigError, loadConfig, loadConfigOrExit, type AppConfig } from './config.js';
export { APP_CONFIG, ConfigModule } from './config.module.js';
export { envSchema, type Env } from './config.schema.js';
