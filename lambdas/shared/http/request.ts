import type { APIGatewayProxyEvent } from 'aws-lambda';
import { RequestError, problem } from './problem';

/** Reading a proxy event's headers and JSON body, shared by the merchant and operator command endpoints. */
export const MAX_BODY_BYTES = 64 * 1024;

export const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

export const parseJsonBody = (event: APIGatewayProxyEvent): unknown => {
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
