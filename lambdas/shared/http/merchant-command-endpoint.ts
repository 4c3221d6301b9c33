import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod/mini';
import { dynamoDbClient } from '../clients';
import { tableNameFromEnv } from '../config';
import { type CommandRequest, type EndpointResult, principalOf, wrap } from './merchant-endpoint';
import { RequestError, isContractError, jsonResponse, problem, problemResponse, toProblem } from './problem';
import { parseOrRefuse } from './validation';

/**
 * The adapter for merchant POST endpoints: the Idempotency-Key contract on top of merchant-endpoint.ts.
 * Kept apart so GET functions do not bundle the idempotency utility.
 */
export const MAX_BODY_BYTES = 64 * 1024;
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

const parseJsonBody = (event: APIGatewayProxyEvent): unknown => {
  const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (raw && Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new RequestError(problem(413, 'payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new RequestError(problem(400, 'invalid_json', 'The request body is not valid JSON.'));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RequestError(problem(400, 'invalid_json', 'The request body must be a JSON object.'));
  }
  return parsed;
};

/** JSON with object keys sorted, so two equal requests hash equally whatever their key order. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, node: unknown) =>
    node !== null && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );

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
 */
export const merchantCommandEndpoint = <BodySchema extends z.ZodMiniType>(definition: {
  readonly operation: string;
  readonly body: BodySchema;
  /** What of the body identifies the request: card numbers and CVCs must be left out. */
  readonly fingerprintView: (body: z.infer<BodySchema>) => unknown;
  readonly handle: (request: CommandRequest<z.infer<BodySchema>>) => Promise<EndpointResult>;
}) => {
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
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: tableNameFromEnv('idempotency'),
        awsSdkV3Client: dynamoDbClient(),
      }),
      config: idempotencyConfig,
      keyPrefix: 'merchant-api',
    },
  );

  return wrap(definition.operation, async (event, context) => {
    const principal = principalOf(event);
    const requestId = event.requestContext.requestId;
    const idempotencyKey = header(event, 'Idempotency-Key');
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new RequestError(
        problem(400, 'idempotency_key_invalid', 'Every POST needs an Idempotency-Key header of 1 to 255 visible ASCII characters.', {
          errors: [{ field: 'Idempotency-Key', message: idempotencyKey === undefined ? 'is required' : 'must be 1 to 255 visible ASCII characters' }],
        }),
      );
    }
    const body = parseOrRefuse(definition.body, parseJsonBody(event));
    // The resource is a template (`/v1/payouts/{id}/cancel`): its path parameters say which object, so they are part of "the same request".
    const request = {
      method: event.httpMethod,
      resource: event.resource,
      ...(event.pathParameters ? { pathParameters: event.pathParameters } : {}),
      body: definition.fingerprintView(body),
    };
    const requestFingerprint = createHash('sha256').update(canonicalJson(request)).digest('hex');

    idempotencyConfig.registerLambdaContext(context);
    return execute({ key: `${principal.merchantId}#${idempotencyKey}`, request }, async () => {
      try {
        const result = await definition.handle({
          principal,
          requestId,
          pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
          body,
          idempotencyKey,
          requestFingerprint,
        });
        return jsonResponse(result.status, result.body, requestId);
      } catch (error) {
        if (isContractError(error)) return problemResponse(toProblem(error), requestId);
        throw error;
      }
    });
  });
};
