/** The scheduling board: the load per warehouse / production line and day, moves, Ordo's own capacity. */
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../http/route';
import { actorOf } from '../../auth/principal';
import { boardQuery, boardSchema, capacitySettingsSchema, moveBody, moveResultSchema } from '../../contracts/scheduling';
import type { SchedulingService } from '../../scheduling/scheduling.service';
import type { CapacityStore } from '../../scheduling/capacity-store';

const capacityAnswer = capacitySettingsSchema.extend({ updatedAt: z.string().optional(), updatedBy: z.string().optional() });

export function schedulingRoutes(deps: { scheduling: SchedulingService; capacity: CapacityStore }): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/scheduling/board',
      tag: 'scheduling',
      summary: 'Warehouses and production lines × days: the allocated orders still to ship, capacity (and its source) and use per cell, overloads, unscheduled orders',
      access: { permission: 'scheduling.read' },
      query: boardQuery,
      response: boardSchema,
      handler: ({ principal, query }) => deps.scheduling.board(principal, query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/scheduling/moves',
      tag: 'scheduling',
      summary: 'Move an allocated order to another warehouse or production line and / or day; the allocation checks run first (409 / 422 name each failed check)',
      access: { permission: 'scheduling.plan' },
      body: moveBody,
      response: moveResultSchema,
      handler: ({ principal, body }) => deps.scheduling.move(principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/scheduling/capacity',
      tag: 'scheduling',
      summary: 'The capacity Ordo keeps: orders per day per warehouse, units per day per production line (used when no production connector answers)',
      access: { permission: 'scheduling.read' },
      response: capacityAnswer,
      handler: () => deps.capacity.get(),
    }),
    defineRoute({
      method: 'put',
      path: '/api/scheduling/capacity',
      tag: 'scheduling',
      summary: 'Change the capacity Ordo keeps (audited)',
      access: { permission: 'scheduling.plan' },
      body: capacitySettingsSchema,
      response: capacityAnswer,
      handler: ({ principal, body }) => deps.capacity.update(principal, body, actorOf(principal).label),
    }),
  ];
}
