import { Global, Module } from '@nestjs/common';
import { loadConfig, type AppConfig } from './config.js';

/** DI token of the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Provides the validated configuration to every module of an app. */
@Global()
@Module({
  providers: [{ provide: APP_CONFIG, useFactory: (): AppConfig => loadConfig() }],
  exports: [APP_CONFIG],
})
export class ConfigModule {}
