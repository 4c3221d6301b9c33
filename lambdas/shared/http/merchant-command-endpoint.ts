import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod/mini';
import { publicKeyId } from '../../domain/api-key';
import { commandIdOf } from '../../domain/audit';
import { canonicalJson } from '../../domain/canonical-json';
import { recordAudit } from '../audit';
import { assertMerchantAcceptsMoneyMovementsHere } from '../../wiring/home-region';
import { WrittenOnceDynamoDbPersistenceLayer } from '../../adapters/dynamodb/idempotency-written-once';
import { dynamoDbClient } from '../clients';
import { tableNameFromEnv } from '../config';
import { type CommandResult, withOnceFields } from './command-result';
import { answerKeyed } from './keyed-idempotency';
import { ANSWER_MARGIN_MS, type CommandRequest, merchantPathParameters, principalOf, wrap } from './merchant-endpoint';
import { RequestError, isContractError, isRegionRefusal, jsonResponse, problem, problemResponse, toProblem } from './problem';
import { header, parseJsonBody } from './request';
import { parseOrRefuse } from './validation';
import { auditLog as auditLogOf } from '../../wiring/audit';

/**
 * The adapter for merchant POST endpoints: the Idempotency-Key contract on top of merchant-endpoint.ts.
 * Kept apart so GET functions do not bundle the idempotency utility.
 */
export { MAX_BODY_BYTES } from './request';
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Refusals of an Idempotency-Key held by another request: with `guardsDuplicates`, answered but not stored. */
const isKeyRefusal = (error: Error): boolean => error.name === 'RequestInFlightError' || error.name === 'IdempotencyKeyReusedError';

const markReplayed = (response: unknown) => {
  const stored = response as APIGatewayProxyResult;
  return { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
};

/**
 * POST endpoints: an Idempotency-Key is required. Within 24 hours the same key and request replays the
 * first response byte for byte (`Idempotent-Replayed: true`); the same key with another request is 422
 * `idempotency_key_reused`; a duplicate while the first still runs is 409 `idempotency_in_progress`.
 * Keys are scoped per merchant and shared across endpoints, like Stripe's. Contract answers (2xx and
 * business 4xx) are stored; an unexpected failure is not, so a retry can succeed, and the ids derived
 * from the key keep that retry from creating anything twice. Requests refused by validation never
 * reach the idempotency store.
 *
 * Audit: with `audit`, each request whose handler returns a `change` appends one entry to the merchant's
 * audit chain (who: the merchant and key; what: the action and target; when; the request id; before and
 * after), inside the idempotent section: a replay appends nothing, and a failed append answers 500 so the
 * retry records it (docs/decisions/0008-audit-log.md).
 */
export const merchantCommandEndpoint = <BodySchema extends z.ZodMiniType>(definition: {
  readonly operation: string;
  readonly body: BodySchema;
  /** What of the body identifies the request: card numbers and CVCs must be left out. */
  readonly fingerprintView: (body: z.infer<BodySchema>) => unknown;
  /**
   * For a body with a secret the view leaves out (a card number, a bank account number): its keyed fingerprint
   * (HMAC under the fingerprint key the card holds and the vault already use: adapters/crypto/fingerprinter.ts),
   * never the secret nor an unkeyed hash of it. It joins the payload the Idempotency-Key record validates, so
   * another card or account with the same public details under a live key is 422, not the first one's replay
   * (decision record 0044, amended). The object's own `requestFingerprint` stays the hash of the view: the stored
   * objects compare the secret by the keyed fingerprint they keep (the vault, the hold, the payment's card).
   */
  readonly keyedFingerprint?: (body: z.infer<BodySchema>) => Promise<string>;
  /** The audited action, `<object>.<verb>` (for example `payment.create`): see CommandResult.change. */
  readonly audit?: { readonly action: string };
  /**
   * The request starts a money movement (a payment, capture, refund, conversion or payout): it is accepted
   * only in the merchant's home region and while no move is under way, checked before the idempotency store
   * and anything else is written (421 `wrong_region` / 409 `home_region_moving`, not stored: a retry after
   * the move succeeds). The function needs GetItem on `ledger` (docs/decisions/0024).
   */
  readonly homeRegionOnly?: boolean;
  /**
   * The handler guards a concurrent duplicate itself, with a conditional write it makes anyway: it throws
   * RequestInFlightError for it (409 `idempotency_in_progress`; the payment create: its card hold and its
   * conditional insert), or lets it run to the same answer because nothing it does can happen twice (a
   * quote's conditional insert under its derived id; a conversion's quote claim for its derived id and its
   * posting, idempotent by that id: decision record 0052). Then the key's record is written once, with the
   * answer, not also as `INPROGRESS` before: one write unit a request instead of two (decision record 0048). Refusals of the key
   * (RequestInFlightError, IdempotencyKeyReusedError) are not stored then: the key belongs to the request
   * that holds it, whose answer is the one kept.
   */
  readonly guardsDuplicates?: boolean;
  readonly handle: (request: CommandRequest<z.infer<BodySchema>>) => Promise<CommandResult>;
}) => {
  const auditLog = definition.audit ? auditLogOf() : undefined;
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
    hashFunction: 'sha256',
    throwOnNoIdempotencyKey: true,
    responseHook: markReplayed,
  });
  const execute = makeIdempotent(
    async (_payload: { key: string; request: unknown }, run: () => Promise<APIGatewayProxyResult>) => run(),
    {
      persistenceStore: new (definition.guardsDuplicates ? WrittenOnceDynamoDbPersistenceLayer : DynamoDBPersistenceLayer)({
        tableName: tableNameFromEnv('idempotency'),
        awsSdkV3Client: dynamoDbClient(),
      }),
      config: idempotencyConfig,
      keyPrefix: 'merchant-api',
    },
  );

  const handler = wrap(definition.operation, async (event, context, note) => {
    const principal = principalOf(event);
    const requestId = event.requestContext.requestId;
    const pathParameters = merchantPathParameters(event);
    const idempotencyKey = header(event, 'Idempotency-Key');
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new RequestError(
        problem(400, 'idempotency_key_invalid', 'Every POST needs an Idempotency-Key header of 1 to 255 visible ASCII characters.', {
          errors: [{ field: 'Idempotency-Key', message: idempotencyKey === undefined ? 'is required' : 'must be 1 to 255 visible ASCII characters' }],
        }),
      );
    }
    const body = parseOrRefuse(definition.body, parseJsonBody(event));
    if (definition.homeRegionOnly) await assertMerchantAcceptsMoneyMovementsHere(principal.merchantId);
    // The resource is a template (`/v1/payouts/{id}/cancel`): its path parameters say which object, so they are part of "the same request".
    const request = {
      method: event.httpMethod,
      resource: event.resource,
      ...(event.pathParameters ? { pathParameters: event.pathParameters } : {}),
      body: definition.fingerprintView(body),
    };
    const requestFingerprint = createHash('sha256').update(canonicalJson(request)).digest('hex');
    // Computed before the key's record is read; a local HMAC (the key is derived once per instance).
    const keyed = definition.keyedFingerprint ? { ...request, keyed_fingerprint: await definition.keyedFingerprint(body) } : undefined;

    const commandId = commandIdOf(principal.merchantId, idempotencyKey);
    let once: CommandResult['once'];

    idempotencyConfig.registerLambdaContext(context);
    const inFlightMs = context.getRemainingTimeInMillis();
    const run = async (): Promise<APIGatewayProxyResult> => {
      try {
        const result = await definition.handle({
          principal,
          requestId,
          pathParameters,
          body,
          idempotencyKey,
          requestFingerprint,
          commandId,
          deadline: Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS,
          inFlightMs,
        });
        if (result.change && result.status < 300) {
          if (!auditLog || !definition.audit) throw new Error(`${definition.operation} returned a change but declares no audit action`);
          await recordAudit(auditLog, {
            merchant_id: principal.merchantId,
            actor: { type: 'merchant', merchant_id: principal.merchantId, api_key: publicKeyId(principal.keyId) },
            action: definition.audit.action,
            target: result.change.target,
            request_id: requestId,
            command_id: commandId,
            before: result.change.before,
            after: result.change.after,
          }, note);
        }
        once = result.once;
        return jsonResponse(result.status, result.body, requestId);
      } catch (error) {
        // A region refusal (a move began while the request ran) is not the request's answer for good: not stored.
        if (isContractError(error) && !isRegionRefusal(error) && !(definition.guardsDuplicates && isKeyRefusal(error))) return problemResponse(toProblem(error), requestId);
        throw error;
      }
    };
    const key = `${principal.merchantId}#${idempotencyKey}`;
    const response = keyed ? await answerKeyed(execute, key, keyed, request, run) : await execute({ key, request }, run);
    return once ? withOnceFields(response, once) : response;
  });
  /** The declared audit action and home-region check, for the tests that hold them to platform/routes.ts. */
  return Object.assign(handler, { auditAction: definition.audit?.action, homeRegionOnly: definition.homeRegionOnly === true });
};
