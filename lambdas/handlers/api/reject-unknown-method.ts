import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { allowedMethods } from '../../../platform/routes';
import { problem, problemResponse } from '../../shared/http/problem';

/**
 * The ANY method on every API resource: the path exists but not with this method. Answers 405 with the
 * `Allow` header. (Unknown paths never reach a function: API Gateway answers them with the 404 gateway
 * response from platform/gateway-responses.ts.)
 */
export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const allowed = allowedMethods(event.resource);
  return problemResponse(
    problem(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${event.resource}.`, {
      headers: { Allow: allowed.join(', ') },
    }),
    event.requestContext.requestId,
  );
};
