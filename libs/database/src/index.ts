export { DatabaseModule } from './database.module.js';
export { MONGO_CONNECTION } from './database.token.js';
export { FilesRepository } from './files.repository.js';
export { MessagesRepository, messageKey, toMessageDoc, type InsertResult } from './messages.repository.js';
export { RefreshTokensRepository } from './refresh-tokens.repository.js';
export { RoomsRepository, type Room } from './rooms.repository.js';
export { isDuplicateKeyError, type FileDoc, type MessageDoc } from './schemas.js';
export { UsersRepository, type User } from './users.repository.js';
