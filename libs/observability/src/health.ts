import { Controller, Get, HttpStatus, Injectable, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';

export type HealthCheck = () => Promise<unknown>;

/**
 * Collects the dependency checks of an app. Each client module (Redis, Mongo, ...) registers
 * its own check, so /health always reflects what the app really depends on.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(
      entries.map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return [name, 'up'] as const;
        } catch (error) {
          return [name, `down: ${(error as Error).message}`] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: results.every(([, state]) => state === 'up'), checks: Object.fromEntries(results) };
  }
}

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  /** Readiness: 200 when every dependency answers, 503 otherwise. */
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const result = await this.registry.run();
    res
      .status(result.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: result.ok ? 'ok' : 'error', checks: result.checks });
  }

  /** Liveness: the process answers. */
  @Get('health/live')
  live(): { status: string } {
    return { status: 'ok' };
  }
}
