import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { StoredFileRef } from '@chat/contracts';

/*
 * Only features MongoDB 7 and FerretDB 1.24 both support: plain unique and compound indexes,
 * no TTL indexes (retention is a job), no transactions, no $lookup.
 */

export interface UserDoc {
  _id: Types.ObjectId;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

/**
 * `_id` is the room id itself: a UUID v4 string for rooms made now, the ObjectId of a room made
 * before (they keep it, and their id is its hex). `roomKey` maps an id to the value stored here.
 */
export interface RoomDoc {
  _id: string | Types.ObjectId;
  name: string;
  createdBy: string;
  createdAt: Date;
  /**
   * True when every message of the room carries its number (`seq`): rooms made since messages
   * have numbers. A room without it may hold older messages without one, which history then
   * also reads by id range below the numbered ones.
   */
  numbered?: boolean;
  /** The lowest number of the room's messages, when the layout migration numbered older ones. */
  numberedFrom?: number;
}

/** `_id` is "<roomId>:<userId>", so a membership lookup is a primary-key lookup. */
export interface MembershipDoc {
  _id: string;
  roomId: string;
  userId: string;
  joinedAt: Date;
}

/**
 * A username's key: `_id` is the username itself, so a login finds its user by primary key
 * instead of by a secondary field (which FerretDB's SQLite backend answers by reading every
 * user). Claimed before the user document is written (see UsersRepository.create).
 */
export interface UsernameDoc {
  _id: string;
  userId: string;
}

/**
 * The rooms a person belongs to, one document per person (`_id` is the user id): the room list
 * is one keyed read instead of a query on memberships by user. A map, so that adding a room is
 * an idempotent `$set` of one field. Memberships stay the truth for access checks.
 */
export interface UserRoomsDoc {
  _id: string;
  rooms: Record<string, 1>;
}

/** A change of the data layout that the worker has finished (see LayoutMigrations). */
export interface LayoutMigrationDoc {
  _id: string;
  finishedAt: Date;
}

/** One document per spent refresh token: its _id uniqueness is what makes spending atomic. */
export interface RefreshTokenUseDoc {
  _id: string;
  usedAt: Date;
}

/**
 * One document per revoked refresh-token family, kept as long as its tokens can live. Rotation
 * checks it, so a revocation stops every token of the family, also those issued after it.
 */
export interface RevokedRefreshFamilyDoc {
  _id: string;
  revokedAt: Date;
}

export interface RefreshTokenDoc {
  _id: string;
  userId: string;
  familyId: string;
  secretHash: string;
  expiresAt: Date;
  usedAt: Date | null;
}

/**
 * `_id` is "<roomId>:<sortable stream id>": unique per message (stream ids are unique only
 * within one room's stream), and a room's page is one range scan of the primary key.
 */
export interface MessageDoc {
  _id: string;
  id: string;
  roomId: string;
  /** The message's number in its room; absent on messages stored before rooms had numbers. */
  seq?: number;
  senderId: string;
  senderName: string;
  content: string;
  clientMsgId: string;
  file?: StoredFileRef;
  createdAt: Date;
}

/**
 * A page of a room's history (see MessagesRepository.writePages): `_id` is
 * "<roomId>:<page>", `m` maps each message's number to its stored document as JSON.
 */
export interface MessagePageDoc {
  _id: string;
  m: Record<string, string>;
}

/** The highest message number persisted in a room (`_id` is the room id). */
export interface RoomHeadDoc {
  _id: string;
  seq: number;
}

/** Metadata of a stored file; the bytes live in the file app's storage under `storageKey`. */
export interface FileDoc {
  _id: string;
  roomId: string;
  uploaderId: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  storageKey: string;
  /** Storage key of the WebP preview, for images that could be decoded. */
  thumbnailKey: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  /**
   * When the worker's orphan sweep found a message referring to the file; null (or absent, for
   * files stored before the sweep) until then. Files that stay unreferenced past
   * FILE_ORPHAN_GRACE_SEC are deleted.
   */
  attachedAt?: Date | null;
}

const fileSchema = new Schema<FileDoc>(
  {
    _id: { type: String, required: true },
    roomId: { type: String, required: true },
    uploaderId: { type: String, required: true },
    name: { type: String, required: true },
    mime: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    storageKey: { type: String, required: true },
    thumbnailKey: { type: String, default: null },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null, index: true },
    attachedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
// The orphan sweep's candidates: not yet seen referenced, older than the grace period.
fileSchema.index({ attachedAt: 1, createdAt: 1 });

const userSchema = new Schema<UserDoc>(
  {
    username: { type: String, required: true, unique: true },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

const roomSchema = new Schema<RoomDoc>(
  {
    // Mixed: both kinds live in one collection, and nothing may cast one into the other (a
    // String path would turn a legacy ObjectId query into a string that matches nothing).
    // Mongoose generates no _id for a Mixed path, so a room without a random id cannot be saved.
    _id: { type: Schema.Types.Mixed, required: true },
    name: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    numbered: { type: Boolean, required: false },
    numberedFrom: { type: Number, required: false },
  },
  { versionKey: false },
);

const membershipSchema = new Schema<MembershipDoc>(
  {
    _id: { type: String, required: true },
    roomId: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    joinedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

const refreshTokenSchema = new Schema<RefreshTokenDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    familyId: { type: String, required: true, index: true },
    secretHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

const usernameSchema = new Schema<UsernameDoc>(
  { _id: { type: String, required: true }, userId: { type: String, required: true } },
  { versionKey: false },
);

const userRoomsSchema = new Schema<UserRoomsDoc>(
  { _id: { type: String, required: true }, rooms: { type: Object, default: {} } },
  { versionKey: false, minimize: false },
);

const layoutMigrationSchema = new Schema<LayoutMigrationDoc>(
  { _id: { type: String, required: true }, finishedAt: { type: Date, required: true } },
  { versionKey: false },
);

const refreshTokenUseSchema = new Schema<RefreshTokenUseDoc>(
  { _id: { type: String, required: true }, usedAt: { type: Date, required: true } },
  { versionKey: false },
);

const revokedRefreshFamilySchema = new Schema<RevokedRefreshFamilyDoc>(
  { _id: { type: String, required: true }, revokedAt: { type: Date, required: true } },
  { versionKey: false },
);

const messageSchema = new Schema<MessageDoc>(
  {
    _id: { type: String, required: true },
    id: { type: String, required: true },
    roomId: { type: String, required: true },
    seq: { type: Number, required: false },
    senderId: { type: String, required: true },
    senderName: { type: String, required: true },
    content: { type: String, default: '' },
    clientMsgId: { type: String, required: true },
    file: { type: Object, required: false },
    createdAt: { type: Date, required: true, index: true },
  },
  { versionKey: false },
);

const messagePageSchema = new Schema<MessagePageDoc>(
  { _id: { type: String, required: true }, m: { type: Object, default: {} } },
  { versionKey: false, minimize: false },
);

const roomHeadSchema = new Schema<RoomHeadDoc>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false },
);

export interface Models {
  users: Model<UserDoc>;
  usernames: Model<UsernameDoc>;
  userRooms: Model<UserRoomsDoc>;
  layoutMigrations: Model<LayoutMigrationDoc>;
  rooms: Model<RoomDoc>;
  memberships: Model<MembershipDoc>;
  refreshTokens: Model<RefreshTokenDoc>;
  refreshTokenUses: Model<RefreshTokenUseDoc>;
  revokedRefreshFamilies: Model<RevokedRefreshFamilyDoc>;
  messages: Model<MessageDoc>;
  messagePages: Model<MessagePageDoc>;
  roomHeads: Model<RoomHeadDoc>;
  files: Model<FileDoc>;
}

export function registerModels(connection: Connection): Models {
  return {
    users: connection.model<UserDoc>('User', userSchema, 'users'),
    usernames: connection.model<UsernameDoc>('Username', usernameSchema, 'usernames'),
    userRooms: connection.model<UserRoomsDoc>('UserRooms', userRoomsSchema, 'user_rooms'),
    layoutMigrations: connection.model<LayoutMigrationDoc>(
      'LayoutMigration',
      layoutMigrationSchema,
      'layout_migrations',
    ),
    rooms: connection.model<RoomDoc>('Room', roomSchema, 'rooms'),
    memberships: connection.model<MembershipDoc>('Membership', membershipSchema, 'memberships'),
    refreshTokens: connection.model<RefreshTokenDoc>('RefreshToken', refreshTokenSchema, 'refresh_tokens'),
    refreshTokenUses: connection.model<RefreshTokenUseDoc>(
      'RefreshTokenUse',
      refreshTokenUseSchema,
      'refresh_token_uses',
    ),
    revokedRefreshFamilies: connection.model<RevokedRefreshFamilyDoc>(
      'RevokedRefreshFamily',
      revokedRefreshFamilySchema,
      'revoked_refresh_families',
    ),
    messages: connection.model<MessageDoc>('Message', messageSchema, 'messages'),
    messagePages: connection.model<MessagePageDoc>('MessagePage', messagePageSchema, 'message_pages'),
    roomHeads: connection.model<RoomHeadDoc>('RoomHead', roomHeadSchema, 'room_heads'),
    files: connection.model<FileDoc>('File', fileSchema, 'files'),
  };
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
