import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import mongoose, { type Connection } from 'mongoose';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HealthRegistry } from '@chat/observability';
import { MONGO_CONNECTION } from './database.token.js';
import { FilesRepository } from './files.repository.js';
import { LayoutMigrations } from './layout-migrations.js';
import { MessagesRepository } from './messages.repository.js';
import { MODELS } from './models.token.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { RoomsRepository } from './rooms.repository.js';
import { registerModels, type Models } from './schemas.js';
import { UsersRepository } from './users.repository.js';

const CONNECT_ATTEMPTS = 30;

/** Owns the MongoDB connection: one connection, one repository per collection, a health check. */
@Global()
@Module({
  providers: [
    {
      provide: MONGO_CONNECTION,
      useFactory: () => mongoose.createConnection(),
    },
    {
      provide: MODELS,
      inject: [MONGO_CONNECTION],
      useFactory: (connection: Connection) => registerModels(connection),
    },
    LayoutMigrations,
    UsersRepository,
    RoomsRepository,
    RefreshTokensRepository,
    MessagesRepository,
    FilesRepository,
  ],
  exports: [
    MONGO_CONNECTION,
    LayoutMigrations,
    UsersRepository,
    RoomsRepository,
    RefreshTokensRepository,
    MessagesRepository,
    FilesRepository,
  ],
})
export class DatabaseModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MongoDB');

  constructor(
    @Inject(MONGO_CONNECTION) private readonly connection: Connection,
    @Inject(MODELS) private readonly models: Models,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthRegistry,
  ) {}

  /** Retries the first connection for a while: in compose the database may start after us. */
  async onModuleInit(): Promise<void> {
    this.health.register('mongodb', () => this.connection.db!.command({ ping: 1 }));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connection.openUri(this.config.MONGO_URL, {
          serverSelectionTimeoutMS: 5000,
          maxPoolSize: 20,
          autoIndex: false,
        });
        break;
      } catch (error) {
        if (attempt >= CONNECT_ATTEMPTS) throw error;
        this.logger.warn(
          `MongoDB not reachable (${(error as Error).message}); retry ${attempt}/${CONNECT_ATTEMPTS}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    await Promise.all(Object.values(this.models).map((model) => model.createIndexes()));
    this.logger.log('MongoDB connected');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
