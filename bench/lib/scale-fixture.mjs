// The scale fixture: users, rooms, memberships and messages written through libs/database's own
// write paths (the build in dist/, without Nest): UsersRepository.createMany,
// RoomsRepository.createMany and addMembers, and MessagesRepository.insertMany, the worker's
// drain path. So the fixture has whatever layout the code reads, also after the layout changes.
// Deterministic: the same plan gives the same rooms, messages and message ids in every database.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { APPS_ROOT } from '../support.mjs';

/** Documents per bulk write: memory stays bounded, FerretDB gets few large batches. */
const BATCH = 5000;
/** Bulk writes in flight: one being written while the next is generated. */
const IN_FLIGHT = 2;
/** Members of each room besides the bench's own users: every user is in two rooms. */
const ROOMS_PER_USER = 2;
const DAY_MS = 86_400_000;
/** The messages span this many days before the plan's end: old enough to look like traffic. */
const SPAN_DAYS = 7;

/** A small seeded PRNG (mulberry32): the same seed gives the same fixture. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers below `below`. */
function sample(rng, below, count) {
  const chosen = new Set();
  while (chosen.size < Math.min(count, below)) chosen.add(Math.floor(rng() * below));
  return [...chosen];
}

/**
 * What to seed and who the bench acts as. `users`, `rooms`, `messages`: the sizes; the bench's
 * own people: a reader in `readerRooms` rooms (history, the room list), `joiners` people each in
 * `joinsPerJoiner` rooms (room:join with a cold membership cache), and `logins` seeded users to
 * log in as.
 */
export function scalePlan({
  users,
  rooms,
  messages,
  readerRooms,
  joiners,
  joinsPerJoiner,
  logins,
  seed = 1,
}) {
  const rng = random(seed);
  return {
    users,
    rooms,
    messages,
    // A fixed end, so that both databases hold the same message ids.
    endMs: Math.floor(Date.now() / DAY_MS) * DAY_MS - 3_600_000,
    readerRooms: sample(rng, rooms, readerRooms),
    joinerRooms: Array.from({ length: joiners }, () => sample(rng, rooms, joinsPerJoiner)),
    loginUsers: sample(rng, users, logins),
  };
}

const username = (i) => `scale-u${i}`;
/** The rooms of seeded user `i`: two, spread so that every room has members and senders. */
const roomsOfUser = (plan, i) => [...new Set([i % plan.rooms, (i * 7919 + 13) % plan.rooms])];
const messagesInRoom = (plan, r) =>
  Math.floor(plan.messages / plan.rooms) + (r < plan.messages % plan.rooms ? 1 : 0);

const WORDS =
  'the a room chat message hello ok yes no maybe later today meeting lunch deploy build test ship review merge fix bug coffee thanks see you soon'.split(
    ' ',
  );

/**
 * The messages of room `r` as the worker would persist them: Redis-stream-style ids `<ms>-<n>`
 * increasing, createdAt the ms part, over SPAN_DAYS before the plan's end in bursts like real
 * conversations, each with `seq` (1, 2, … in order) for the per-room sequence layout.
 */
export function roomMessages(plan, r, roomId, senderOf) {
  const rng = random(r + 1);
  const n = messagesInRoom(plan, r);
  const times = [];
  let at = plan.endMs - SPAN_DAYS * DAY_MS + Math.floor(rng() * DAY_MS);
  const step = (SPAN_DAYS * DAY_MS) / Math.max(1, n);
  for (let i = 0; i < n; i++) {
    // Mostly seconds apart within a conversation, now and then hours of silence.
    at += rng() < 0.1 ? Math.floor(rng() * step * 5) : Math.floor(rng() * 30_000);
    times.push(Math.min(at, plan.endMs));
  }
  const out = [];
  let lastMs = -1;
  let sub = 0;
  for (let i = 0; i < n; i++) {
    const ms = Math.max(times[i], lastMs);
    sub = ms === lastMs ? sub + 1 : 0;
    lastMs = ms;
    const sender = senderOf(Math.floor(rng() * 1e9));
    const words = Array.from(
      { length: 3 + Math.floor(rng() * 20) },
      () => WORDS[Math.floor(rng() * WORDS.length)],
    );
    out.push({
      id: `${ms}-${sub}`,
      roomId,
      senderId: sender.id,
      senderName: sender.username,
      content: words.join(' '),
      clientMsgId: `scale-${r}-${i}`,
      createdAt: new Date(ms).toISOString(),
      seq: i + 1,
    });
  }
  return out;
}

/**
 * The database lib of the measured build, on `mongoUrl`, as DatabaseModule wires it (its
 * models, their indexes, one repository of each) but without Nest. close() closes it.
 */
export async function databaseLib(mongoUrl) {
  const dir = join(APPS_ROOT, 'dist', 'api', 'libs', 'database', 'src');
  const load = (file) => import(pathToFileURL(join(dir, file)).href);
  const lib = await load('index.js');
  const { registerModels } = await load('schemas.js');
  // The build's own mongoose: models and connection must come from one instance.
  const require = createRequire(join(APPS_ROOT, 'package.json'));
  const { default: mongoose } = await import(pathToFileURL(require.resolve('mongoose')).href);
  const connection = mongoose.createConnection();
  await connection.openUri(mongoUrl, { serverSelectionTimeoutMS: 5000, maxPoolSize: 20, autoIndex: false });
  const models = registerModels(connection);
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
  const layout = new lib.LayoutMigrations(models);
  return {
    users: new lib.UsersRepository(models, layout),
    rooms: new lib.RoomsRepository(models, layout),
    messages: new lib.MessagesRepository(models),
    /** Every change of layout, as done: the fixture is written in the current one. */
    markLayoutCurrent: () =>
      Promise.all(Object.values(lib.LayoutChange).map((name) => layout.markFinished(name))),
    close: () => connection.close(),
  };
}

/** `items` in slices of BATCH. */
function chunks(items) {
  const out = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Runs `write` on each batch, IN_FLIGHT at a time, started in order; `progress(done items)`. */
async function inBatches(batches, write, progress) {
  const running = new Set();
  let done = 0;
  for (const batch of batches) {
    const task = write(batch).then(() => {
      running.delete(task);
      done += batch.length;
      progress?.(done);
    });
    running.add(task);
    if (running.size >= IN_FLIGHT) await Promise.race(running);
  }
  await Promise.all(running);
}

/**
 * Seeds `mongoUrl` with the plan: `scope` 'all' writes every user, room, membership and message;
 * 'own' only what the bench's requests touch (its people, the users it logs in as, the reader's
 * rooms with their messages, the joiners' rooms without). Every user's password hash is
 * `passwordHash`. Resolves with the ids the bench needs and the seeding time per part.
 */
export async function seedScale(mongoUrl, plan, { scope, passwordHash, log }) {
  const db = await databaseLib(mongoUrl);
  const started = performance.now();
  const seconds = {};
  const timed = async (part, work) => {
    const t = performance.now();
    await work();
    seconds[part] = Math.round((performance.now() - t) / 100) / 10;
    log(`${part}: ${seconds[part]} s`);
  };
  /** A progress line each time `done` passes another multiple of `step`. */
  const every = (total, step) => {
    let shown = 0;
    return (done) => {
      if (Math.floor(done / step) === shown) return;
      shown = Math.floor(done / step);
      log(`  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
    };
  };
  try {
    const all = scope === 'all';
    const userIndexes = all ? null : [...new Set(plan.loginUsers)].sort((a, b) => a - b);
    const joinerRooms = new Set(plan.joinerRooms.flat());
    const roomIndexes = all
      ? Array.from({ length: plan.rooms }, (_, r) => r)
      : [...new Set([...plan.readerRooms, ...joinerRooms])].sort((a, b) => a - b);
    const withMessages = all ? null : new Set(plan.readerRooms);

    // Users: the seeded ones (by index), then the bench's own.
    const userIds = new Map();
    const own = { reader: null, joiners: [] };
    await timed('users', async () => {
      const indexes = userIndexes ?? Array.from({ length: plan.users }, (_, i) => i);
      await inBatches(
        chunks(indexes),
        async (batch) => {
          const created = await db.users.createMany(
            batch.map((i) => ({ username: username(i), passwordHash })),
          );
          created.forEach((user, k) => userIds.set(batch[k], user));
        },
        every(indexes.length, 20_000),
      );
      const people = await db.users.createMany([
        { username: 'scale-reader', passwordHash },
        ...plan.joinerRooms.map((_, j) => ({ username: `scale-joiner${j}`, passwordHash })),
      ]);
      [own.reader, ...own.joiners] = people;
    });
    if (
      userIds.size + 1 + own.joiners.length !==
      (userIndexes?.length ?? plan.users) + 1 + plan.joinerRooms.length
    )
      throw new Error('some fixture users were not created (names taken?)');

    // Rooms, each made by one of its members (or the reader, when that member is not seeded).
    const roomIds = new Map();
    await timed('rooms', () =>
      inBatches(chunks(roomIndexes), async (batch) => {
        const created = await db.rooms.createMany(
          batch.map((r) => ({
            name: `scale room ${r}`,
            createdBy: (userIds.get(r) ?? own.reader).id,
            createdAt: new Date(plan.endMs - 8 * DAY_MS + r * 1000),
          })),
        );
        created.forEach((room, k) => roomIds.set(batch[k], room.id));
      }),
    );

    // Memberships, all of a person's rooms in one call (see RoomsRepository.addMembers).
    await timed('memberships', async () => {
      const pairs = [];
      if (all)
        for (let i = 0; i < plan.users; i++)
          for (const r of roomsOfUser(plan, i))
            pairs.push({ roomId: roomIds.get(r), userId: userIds.get(i).id });
      for (const r of plan.readerRooms) pairs.push({ roomId: roomIds.get(r), userId: own.reader.id });
      plan.joinerRooms.forEach((rooms, j) => {
        for (const r of rooms) pairs.push({ roomId: roomIds.get(r), userId: own.joiners[j].id });
      });
      // Batches end at a person's last pair: one call holds all of a person's rooms.
      let from = 0;
      const batches = [];
      while (from < pairs.length) {
        let to = Math.min(pairs.length, from + BATCH);
        while (to < pairs.length && pairs[to].userId === pairs[to - 1].userId) to++;
        batches.push(pairs.slice(from, to));
        from = to;
      }
      await inBatches(batches, (batch) => db.rooms.addMembers(batch), every(pairs.length, 50_000));
      log(`  ${pairs.length.toLocaleString('en-US')} memberships`);
    });

    // Messages, room by room, through the worker's drain path.
    const readerMessageIds = new Map();
    let count = 0;
    await timed('messages', async () => {
      const seeded = all ? plan.users : 0;
      // A room's senders: seeded users of the room (index ≡ r mod rooms), else the reader.
      const senderOf = (r) => (pick) => {
        if (!seeded) return own.reader;
        const members = Math.max(1, Math.floor((plan.users - 1 - r) / plan.rooms) + 1);
        return userIds.get(r + (pick % members) * plan.rooms) ?? own.reader;
      };
      const rooms = roomIndexes.filter((r) => !withMessages || withMessages.has(r));
      const expected = rooms.reduce((n, r) => n + messagesInRoom(plan, r), 0);
      const progress = every(expected, 100_000);
      let pending = [];
      const running = new Set();
      const flush = async () => {
        const batch = pending;
        pending = [];
        const task = db.messages.insertMany(batch).then((result) => {
          running.delete(task);
          if (result.duplicates) throw new Error(`${result.duplicates} seeded messages were there already`);
          count += batch.length;
          progress(count);
        });
        running.add(task);
        if (running.size >= IN_FLIGHT) await Promise.race(running);
      };
      for (const r of rooms) {
        const messages = roomMessages(plan, r, roomIds.get(r), senderOf(r));
        if (plan.readerRooms.includes(r))
          readerMessageIds.set(
            roomIds.get(r),
            messages.map((m) => m.id),
          );
        pending.push(...messages);
        if (pending.length >= BATCH) await flush();
      }
      if (pending.length) await flush();
      await Promise.all(running);
    });
    await db.markLayoutCurrent();
    const totalSec = Math.round((performance.now() - started) / 100) / 10;
    log(
      `seeded ${count.toLocaleString('en-US')} messages, ${(userIds.size + 1 + own.joiners.length).toLocaleString('en-US')} users, ${roomIds.size.toLocaleString('en-US')} rooms in ${totalSec} s`,
    );
    return {
      seconds: { ...seconds, total: totalSec },
      counts: { users: userIds.size + 1 + own.joiners.length, rooms: roomIds.size, messages: count },
      reader: {
        ...own.reader,
        rooms: plan.readerRooms.map((r) => roomIds.get(r)),
        messageIds: readerMessageIds,
      },
      joiners: own.joiners.map((user, j) => ({
        ...user,
        rooms: plan.joinerRooms[j].map((r) => roomIds.get(r)),
      })),
      loginUsernames: plan.loginUsers.map(username),
    };
  } finally {
    await db.close();
  }
}
