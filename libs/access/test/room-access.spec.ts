import { Test, type TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AccessModule, RoomAccess } from '@chat/access';
import { ConfigModule, loadConfig } from '@chat/config';
import { ErrorCode } from '@chat/contracts';
import { DatabaseModule, RoomsRepository } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';

/**
 * The one access check REST, the socket and file downloads ask, against real Redis and
 * MongoDB: its answers for a member, a stranger, a room that does not exist and an id in
 * another spelling, and that a membership added is seen at once.
 */
let moduleRef: TestingModule;
let access: RoomAccess;
let rooms: RoomsRepository;

beforeAll(async () => {
  moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(loadConfig()),
      ObservabilityModule.forApp('api'),
      RedisModule,
      DatabaseModule,
      AccessModule,
    ],
  }).compile();
  await moduleRef.init();
  access = moduleRef.get(RoomAccess);
  rooms = moduleRef.get(RoomsRepository);
});

afterAll(() => moduleRef?.close());

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code,
  );

it('lets a member in, and tells a stranger FORBIDDEN and a missing room NOT_FOUND', async () => {
  const [owner, stranger] = [randomUUID(), randomUUID()];
  const room = await rooms.create('access', owner);
  expect(await code(access.assertMember(room.id, owner))).toBe('ok');
  expect(await access.isMember(room.id, owner)).toBe(true);
  expect(await code(access.assertMember(room.id, stranger))).toBe(ErrorCode.FORBIDDEN);
  expect(await access.isMember(room.id, stranger)).toBe(false);
  const missing = randomUUID();
  expect(await code(access.assertMember(missing, owner))).toBe(ErrorCode.NOT_FOUND);
  expect(await access.isMember(missing, owner)).toBe(false);
  expect(await code(access.assertMember(room.id.toUpperCase(), owner))).toBe(ErrorCode.VALIDATION);
});

it('sees a member added at once, and adds none to a room that does not exist', async () => {
  const [owner, newcomer] = [randomUUID(), randomUUID()];
  const room = await rooms.create('access', owner);
  expect(await code(access.assertMember(room.id, newcomer))).toBe(ErrorCode.FORBIDDEN);
  await access.addMember(room.id, newcomer);
  await access.addMember(room.id, newcomer); // again: nothing changes
  expect(await code(access.assertMember(room.id, newcomer))).toBe('ok');
  expect(await code(access.addMember(randomUUID(), newcomer))).toBe(ErrorCode.NOT_FOUND);
});
