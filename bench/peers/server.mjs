// The benchmark's peers: the same socket events as the chat stack (room:join, chat:send with an
// ack, chat:message to the room), served three other ways so that every figure of the real
// stack is also a ratio against them on the same machine at the same moment.
//   bare     XADD + broadcast + ack, nothing else: the ceiling of socket.io + Redis here
//   naive    insert each message into MongoDB before the ack (the seeds' "before")
//   batcher  seed "001"'s MessageProcessor: ack at once, insertMany every 50 ms or 100 messages,
//            then broadcast; whatever is queued is lost if the process dies
// Usage: PEER=bare|naive|batcher PORT=… REDIS_URL=… MONGO_URL=… node bench/peers/server.mjs
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MongoClient, ObjectId } from 'mongodb';
import { Server } from 'socket.io';

const { PEER, PORT, REDIS_URL, MONGO_URL } = process.env;
const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const io = new Server(http, {
  transports: ['websocket', 'polling'],
  perMessageDeflate: { threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true },
});

const redis = PEER === 'bare' ? new Redis(REDIS_URL) : null;
const mongo = PEER === 'bare' ? null : await MongoClient.connect(MONGO_URL);
const messages = mongo?.db().collection('peer_messages');

const queue = [];
let flushing = false;
async function flush() {
  if (flushing || !queue.length) return;
  flushing = true;
  const batch = queue.splice(0, 100);
  try {
    await messages.insertMany(
      batch.map(({ message }) => ({ ...message, _id: new ObjectId() })),
      { ordered: false },
    );
    for (const { message } of batch) io.to(message.roomId).emit('chat:message', message);
  } catch (error) {
    console.error('batch lost:', error.message);
  } finally {
    flushing = false;
  }
}
if (PEER === 'batcher') setInterval(flush, 50);

io.on('connection', (socket) => {
  const senderId = randomUUID();
  socket.on('room:join', ({ roomId }, ack) => {
    socket.join(roomId);
    ack({ ok: true });
  });
  socket.on('chat:send', async ({ roomId, clientMsgId, content }, ack) => {
    const message = {
      roomId,
      senderId,
      senderName: 'peer',
      content,
      clientMsgId,
      createdAt: new Date().toISOString(),
    };
    try {
      if (PEER === 'bare') {
        message.id = await redis.xadd(`peer:stream:${roomId}`, '*', 'm', JSON.stringify(message));
      } else if (PEER === 'naive') {
        message.id = (await messages.insertOne({ ...message })).insertedId.toHexString();
      } else {
        message.id = randomUUID();
        queue.push({ message });
        if (queue.length >= 100) void flush();
        return ack({ ok: true, message });
      }
      io.to(roomId).emit('chat:message', message);
      ack({ ok: true, message });
    } catch (error) {
      ack({ ok: false, error: { code: 'STORE_FAILED', message: error.message } });
    }
  });
});

http.listen(Number(PORT), '127.0.0.1');
process.once('SIGTERM', async () => {
  io.close();
  await redis?.quit();
  await mongo?.close();
  process.exit(0);
});
