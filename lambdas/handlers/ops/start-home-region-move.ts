import * as z from 'zod/mini';
import { deployment } from '../../../platform/deployment';
import { ResourceNotFoundError } from '../../domain/errors';
import { homeRegionOf } from '../../domain/ledger/home-region';
import { homeRegionMarkerDeps } from '../../wiring/home-region-move';
import { RequestError, problem } from '../../shared/http/problem';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { merchantRepository } from '../../wiring/merchants';
import { homeRegionMoves } from '../../wiring/operations';

/**
 * Operator API: POST /v1/merchants/{id}/home_region_moves (ops_admin), body `{"region": "<target>"}`: starts the
 * merchant's home-region move (statemachines/home-region-move.asl.json: BeginMove, Drain, FenceLedger,
 * AwaitReplication, Switch), a Standard execution ops watch step by step. 202 with the execution; 404 for an
 * unknown merchant; 409
 * `home_region_move_refused` when the merchant already lives there or a move is under way. The audit log of the
 * merchant records who asked. `"force": true` (the merchant's home region is lost, decision 0036), asked of the
 * surviving region's operator API for itself: the move drains nothing and reads no replica; audited as any move,
 * `forced` in its record. docs/decisions/0024-home-region-routing-and-moves.md, docs/runbooks.md.
 */
const regions = [deployment.primaryRegion, deployment.secondaryRegion];
const body = z.strictObject(
  {
    region: z.enum(regions as [string, ...string[]], { error: `must be one of ${regions.join(', ')}` }),
    // The merchant's home region is lost (decision 0036): sent to the surviving region's operator API, for itself.
    force: z.optional(z.boolean({ error: 'must be true or false' })),
  },
  { error: `must be a JSON object: {"region": "${regions.join('" | "')}", "force": false}` },
);

const deps = homeRegionMarkerDeps();
const merchants = merchantRepository();

const presentMarker = (merchantId: string, marker: Awaited<ReturnType<typeof deps.ledger.getHomeRegion>>) => ({
  merchant_id: merchantId,
  region: homeRegionOf(marker, deps.primaryRegion),
  fenced: marker?.fenced ?? false,
  move_to: marker?.moveTo ?? null,
  epoch: marker?.epoch ?? 0,
});

export const handler = operatorCommandEndpoint({
  operation: 'opsStartHomeRegionMove',
  audit: { action: 'merchant.home_region_move' },
  body,
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    if (!(await merchants.getMerchant(merchantId))) throw new ResourceNotFoundError('merchant', merchantId);
    const marker = await deps.ledger.getHomeRegion(merchantId);
    const refuse = (detail: string) => new RequestError(problem(409, 'home_region_move_refused', detail));
    const forced = request.body.force === true;
    if (forced && request.body.region !== deps.region) {
      throw new RequestError(
        problem(422, 'validation_error', `A forced move is asked of the region that takes the merchant over: send it to ${request.body.region}'s operator API.`, { errors: [
          { field: 'force', message: `only towards this region (${deps.region})` },
        ] }),
      );
    }
    // A forced move takes over a move the lost region had under way (it cannot go on there).
    if (!forced && (marker?.moveTo !== undefined || marker?.fenced)) throw refuse(`A move of ${merchantId} is already under way (to ${marker?.moveTo ?? marker?.region}).`);
    if (homeRegionOf(marker, deps.primaryRegion) === request.body.region) throw refuse(`${merchantId} is already homed in ${request.body.region}.`);
    const moves = homeRegionMoves();
    let started;
    try {
      const actor = { type: 'operator' as const, role: request.principal.role, arn: request.principal.arn, ...(request.principal.agent !== undefined ? { agent: request.principal.agent } : {}) };
      started = await moves.start({ merchantId, targetRegion: request.body.region, epoch: marker?.epoch ?? 0, forced, requestedBy: { actor, requestId: request.requestId } });
    } catch (error) {
      if ((error as Error).name === 'MoveAlreadyStartedError') throw refuse((error as Error).message);
      throw error;
    }
    const before = presentMarker(merchantId, marker);
    const presented = { ...before, target_region: request.body.region, forced, execution_name: started.name, execution_arn: started.executionArn, status: 'started' };
    return { status: 202, body: presented, change: { merchantId, target: { type: 'merchant', id: merchantId }, before, after: presented } };
  },
});
