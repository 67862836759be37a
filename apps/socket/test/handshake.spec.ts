import { ErrorCode } from '@chat/contracts';
import { createUser } from '../../../test/support/http.js';
import { inProcessChat } from '../../../test/support/in-process.js';
import { connect } from '../../../test/support/socket.js';

/** The socket handshake: who may connect. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('handshake', () => {
  it('refuses a missing, invalid or expired token with UNAUTHORIZED', async () => {
    await expect(open(undefined)).rejects.toThrow(ErrorCode.UNAUTHORIZED);
    await expect(connect(chat.url, 'garbage')).rejects.toThrow(ErrorCode.UNAUTHORIZED);
    const [header, , signature] = (await createUser(chat.api)).accessToken.split('.');
    const expiredPayload = Buffer.from(
      JSON.stringify({ sub: 'x', name: 'x', typ: 'access', exp: 1 }),
    ).toString('base64url');
    await expect(connect(chat.url, `${header}.${expiredPayload}.${signature}`)).rejects.toThrow(
      ErrorCode.UNAUTHORIZED,
    );
  });
});
