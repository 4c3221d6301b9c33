import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { routePatternsFor } from '../../../platform/routes';
import { scopesAllow } from '../../domain/api-key';
import { logger } from '../../shared/powertools';
import { authenticateMerchant } from '../../use-cases/authenticate-merchant';
import { merchantRepository } from '../../wiring/merchants';

/**
 * API Gateway REQUEST authorizer. A valid `Authorization: Bearer <secret key>` yields an Allow policy for
 * the whole stage (results are cached per key, so the policy must cover every route the key may call: for a
 * restricted key, those its scopes open) and the merchant id, key id and scopes as context. Anything else throws "Unauthorized", which API Gateway answers with 401.
 *
 * Exactly one spelling is accepted: `Bearer`, one space, the key. API Gateway caches results per
 * Authorization value as received, so accepting `bearer`, `BEARER` or several spaces would give one key as
 * many cache entries (and authorizer invocations) as spellings (docs/security.md, Edge protection).
 */
const merchants = merchantRepository();

const CANONICAL_BEARER = /^Bearer (\S+)$/;

const bearerToken = (event: APIGatewayRequestAuthorizerEvent): string | undefined => {
  const entry = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  return CANONICAL_BEARER.exec(entry?.[1] ?? '')?.[1];
};

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>` from the invoked method's ARN. */
const stageArn = (methodArn: string): string => methodArn.split('/').slice(0, 2).join('/');

export const handler = middy(async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const token = bearerToken(event);
  const principal = token ? await authenticateMerchant({ merchants }, token) : undefined;
  if (!principal) {
    logger.info('authorization refused');
    throw new Error('Unauthorized');
  }
  const stage = stageArn(event.methodArn);
  // A secret key: the whole stage. A restricted key: the routes its scopes open, each method and path
  // (path parameters as `*`), so API Gateway answers 403 for the rest before any function runs.
  const resources = principal.scopes
    ? routePatternsFor((resource, access) => scopesAllow(principal.scopes, resource, access)).map((pattern) => `${stage}/${pattern}`)
    : [`${stage}/*`];
  return {
    principalId: principal.merchantId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources.length === 1 ? (resources[0] as string) : resources }],
    },
    context: { merchantId: principal.merchantId, keyId: principal.keyId, scopes: principal.scopes?.join(' ') ?? '' },
  };
}).use(injectLambdaContext(logger));
