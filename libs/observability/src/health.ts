import { Controller, Get, Injectable, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { Response } from 'express';

export type HealthCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

/**
 * Collects the dependency checks of an app. Each client module (Redis, MongoDB, the file
 * service's gRPC client) registers its own, so /health always reflects what the app really
 * depends on; terminus runs them in parallel and shapes the answer.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, { check: HealthCheck; critical: boolean }>();

  constructor(private readonly indicator: HealthIndicatorService) {}

  /**
   * A critical dependency that is down makes the app unready (503). A non-critical one only
   * degrades it (200, `status: "degraded"`): the socket app without the file service still
   * carries text messages, so a balancer must keep sending it users.
   */
  register(name: string, check: HealthCheck, { critical = true } = {}): void {
    this.checks.set(name, { check, critical });
  }

  indicators(): HealthIndicatorFunction[] {
    return [...this.checks].map(([name, { check, critical }]) => async () => {
      const session = this.indicator.check(name);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)),
              CHECK_TIMEOUT_MS,
            );
          }),
        ]);
        return session.up();
      } catch (error) {
        const data = { message: (error as Error).message };
        return critical ? session.down(data) : session.degraded(data);
      } finally {
        clearTimeout(timer);
      }
    });
  }
}

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: HealthRegistry,
  ) {}

  /**
   * Readiness: 200 when every dependency answers, 503 otherwise, with terminus' body
   * `{status, info, error, details}` either way (the error filter would flatten it).
   */
  @Get('health')
  async ready(@Res() res: Response): Promise<void> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check(this.registry.indicators());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503).json(error.getResponse());
      return;
    }
    res.status(200).json(result);
  }

  /** Liveness: the process answers. Dependencies are left out on purpose: an orchestrator
   * restarting every app because Redis blinked would only make the outage worse. */
  @Get('health/live')
  live(): { status: string } {
    return { status: 'ok' };
  }
}
