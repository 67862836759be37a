import { coalesceWrites, type EngineTransport } from './engine-writes.js';

function fakeTransport(name: string) {
  const calls: string[] = [];
  const tcp = { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
  const transport: EngineTransport = {
    name,
    socket: { _socket: tcp },
    send: (packets) => {
      for (const packet of packets) calls.push(`write ${String(packet)}`);
    },
  };
  return { transport, calls };
}

describe('coalesceWrites', () => {
  it('corks the TCP socket around a batch, keeping every frame in order', () => {
    const { transport, calls } = fakeTransport('websocket');
    coalesceWrites(transport);
    transport.send(['a', 'b', 'c']);
    transport.send(['d']);
    expect(calls).toEqual(['cork', 'write a', 'write b', 'write c', 'uncork', 'write d']);
  });

  it('uncorks even when a write throws, and leaves polling transports alone', () => {
    const { transport, calls } = fakeTransport('websocket');
    transport.send = () => {
      throw new Error('boom');
    };
    coalesceWrites(transport);
    expect(() => transport.send(['a', 'b'])).toThrow('boom');
    expect(calls).toEqual(['cork', 'uncork']);

    const polling = fakeTransport('polling');
    const original = polling.transport.send;
    coalesceWrites(polling.transport);
    expect(polling.transport.send).toBe(original);
  });
});
