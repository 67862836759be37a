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

/** What a readiness check answers: the HTTP status and terminus' body. */
interface Readiness {
  code: 200 | 503;
  result: HealthCheckResult;
}

/**
 * `/health` is what anyone who reaches the port may see: up, degraded or down, and nothing of
 * why. The dependencies' own error text (addresses, driver messages) is for operators, at
 * `/health/details`, which the compose proxy never publishes (deploy/nginx/nginx.conf).
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: HealthRegistry,
  ) {}

  /** Readiness: 200 when every critical dependency answers, 503 otherwise; `{status}` only. */
  @Get('health')
  async ready(@Res() res: Response): Promise<void> {
    const { code, result } = await this.readiness();
    res.status(code).json({ status: result.status });
  }

  /**
   * The same check with terminus' whole body `{status, info, error, details}`, one entry per
   * dependency with its error message (sent as is: the error filter would flatten it).
   */
  @Get('health/details')
  async details(@Res() res: Response): Promise<void> {
    const { code, result } = await this.readiness();
    res.status(code).json(result);
  }

  /** Liveness: the process answers. Dependencies are left out on purpose: an orchestrator
   * restarting every app because Redis blinked would only make the outage worse. */
  @Get('health/live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  private async readiness(): Promise<Readiness> {
    try {
      return { code: 200, result: await this.health.check(this.registry.indicators()) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      return { code: 503, result: error.getResponse() as HealthCheckResult };
    }
  }
}
