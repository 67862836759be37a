import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import type { Response } from 'express';
import { HealthController, HealthRegistry } from './health.js';

/** A Response that only records what the controller sends. */
function recorder(): { res: Response; sent: () => { status: number; body: unknown } } {
  let status = 0;
  let body: unknown;
  const res = {
    status(code: number) {
      status = code;
      return this;
    },
    json(value: unknown) {
      body = value;
      return this;
    },
  };
  return { res: res as unknown as Response, sent: () => ({ status, body }) };
}

async function healthWith(
  checks: Record<string, { fails?: string; critical?: boolean }>,
): Promise<HealthController> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [HealthRegistry],
  }).compile();
  const registry = moduleRef.get(HealthRegistry);
  for (const [name, { fails, critical }] of Object.entries(checks))
    registry.register(name, () => (fails ? Promise.reject(new Error(fails)) : Promise.resolve()), {
      critical,
    });
  return moduleRef.get(HealthController);
}

async function answer(controller: HealthController, route: 'ready' | 'details') {
  const { res, sent } = recorder();
  await controller[route](res);
  return sent();
}

const REFUSED = 'connect ECONNREFUSED 10.1.2.3:6379';

describe('HealthController', () => {
  it('answers /health with the verdict only: no dependency names, no error text', async () => {
    const health = await healthWith({ redis: { fails: REFUSED }, mongodb: {} });
    const ready = await answer(health, 'ready');
    expect(ready).toEqual({ status: 503, body: { status: 'error' } });
    expect(JSON.stringify(ready.body)).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|redis|mongodb/);
  });

  it('keeps the per-dependency result with its error message for /health/details', async () => {
    const health = await healthWith({ redis: { fails: REFUSED }, mongodb: {} });
    expect(await answer(health, 'details')).toEqual({
      status: 503,
      body: {
        status: 'error',
        info: { mongodb: { status: 'up' } },
        error: { redis: { status: 'down', message: REFUSED } },
        details: { mongodb: { status: 'up' }, redis: { status: 'down', message: REFUSED } },
      },
    });
  });

  it('says ok, or degraded for a non-critical dependency, with 200 either way', async () => {
    expect(await answer(await healthWith({ redis: {} }), 'ready')).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const degraded = await healthWith({
      redis: {},
      file: { fails: 'UNAVAILABLE: No connection', critical: false },
    });
    expect(await answer(degraded, 'ready')).toEqual({ status: 200, body: { status: 'degraded' } });
    expect(await answer(degraded, 'details')).toMatchObject({
      status: 200,
      body: { details: { file: { status: 'degraded', message: 'UNAVAILABLE: No connection' } } },
    });
  });
});
