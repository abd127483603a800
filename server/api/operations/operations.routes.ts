import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { WatchdogService } from '../../operations/watchdog.service';

export function operationsRoutes(deps: { watchdog: WatchdogService }): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/operations/stuck',
      tag: 'operations',
      summary: 'Stuck-order watchdog: flows without progress beyond their step’s limit, with the reason',
      access: { permission: 'instances.operate' },
      query: z.strictObject({
        limitMinutes: z.coerce.number().min(0).max(60 * 24 * 90).optional(),
        max: z.coerce.number().int().min(1).max(1000).default(200),
      }),
      handler: ({ query }) => deps.watchdog.stuck(query),
    }),
  ];
}
