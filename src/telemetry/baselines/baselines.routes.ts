/**
 * /api/v1/assets/{id}/baselines (read, relearn, freeze, unfreeze) and
 * /api/v1/alarms/{id}/accept-as-normal — thin handlers over BaselinesService. Changes answer 202:
 * the detection worker that owns the asset's state applies them, in order with its readings.
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { actorOf } from '../../access/auth/principal.js';
import {
  alarmAcceptedSchema,
  alarmAcceptParams,
  assetBaselinesSchema,
  BASELINE_OPS,
  baselineAssetParams,
  baselineCommandBody,
  commandAcceptedSchema,
} from './baselines.schemas.js';
import type { BaselinesService } from './baselines.service.js';

const read = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const manage = { roles: ['admin', 'dispatcher'] } as const;
const tags = ['baselines'];

const SUMMARIES = {
  relearn: 'Relearn learned baselines (a firing alarm of a relearnt rule clears)',
  freeze: 'Freeze learned baselines: still judged, never adapted, not relearnt after repairs',
  unfreeze: 'Unfreeze learned baselines',
} as const;

export async function baselinesRoutes(app: ZodApp, { baselines: service }: { baselines: BaselinesService }): Promise<void> {
  app.get(
    '/assets/:id/baselines',
    {
      config: read,
      schema: {
        tags,
        summary: "The asset's learned baselines: per learned rule and operating mode, state, training window, centre and spread per metric, limit",
        params: baselineAssetParams,
        response: { 200: assetBaselinesSchema },
      },
    },
    async (request) => service.view(request.params.id),
  );

  for (const op of BASELINE_OPS) {
    app.post(
      `/assets/:id/baselines/${op}`,
      {
        config: manage,
        schema: {
          tags,
          summary: SUMMARIES[op],
          description:
            'Body: `ruleId` (default every learned rule), `mode` (default every mode). 202: applied by the detection worker in order with the readings.',
          params: baselineAssetParams,
          body: baselineCommandBody,
          response: { 202: commandAcceptedSchema },
        },
      },
      async (request, reply) => reply.status(202).send(await service.command(request.params.id, op, request.body ?? {}, actorOf(request))),
    );
  }

  app.post(
    '/alarms/:id/accept-as-normal',
    {
      config: manage,
      schema: {
        tags: ['alarms', ...tags],
        summary: "Accept a firing alarm's condition as the asset's new normal (learned: relearn; anomaly: restart the baseline; 409 for fixed limits)",
        params: alarmAcceptParams,
        response: { 202: alarmAcceptedSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await service.acceptAlarm(request.params.id, actorOf(request))),
  );
}
