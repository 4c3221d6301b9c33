import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { OPERATOR_AGENT_HEADER, OPERATOR_AGENT_SHAPE, type OperatorRole, operatorMayCall, operatorRoleOfArn, operatorRouteFor } from '../../../platform/operator-routes';
import { commandIdOf } from '../../domain/audit';
import { recordAudit } from '../audit';
import { awsRegion } from '../config';
import type { AuditedChange, CommandResult } from './command-result';
import { checkedPathParameters, header, parseJsonBody, singleQueryParameters } from './request';
import { type EndpointResult, type LogNote, wrap } from './merchant-endpoint';
import { RequestError, jsonResponse, problem } from './problem';
import { parseOrRefuse } from './validation';
import { auditLog as auditLogOf } from '../../wiring/audit';

/**
 * The adapter every operator endpoint is built from (platform/operator-routes.ts). API Gateway has already
 * authenticated the SigV4 signature and applied the caller's IAM role (its execute-api permissions name
 * exactly the role's routes); this adapter reads who the caller is from the request context and checks
 * the role against the same route table again, so a mistake in either place alone lets nothing through.
 * Commands append their effect to the target merchant's audit chain, with the operator as the actor (and
 * the agent that acted for it, when the request names one in the Operator-Agent header).
 */
export interface OperatorPrincipal {
  readonly role: OperatorRole;
  /** The assumed-role session ARN API Gateway reports (`...:assumed-role/<role name>/<session>`). */
  readonly arn: string;
  /**
   * The session's name; for an operator signed in through the console in AWS, `cognito:<user pool sub>`, since
   * every identity-pool session is named `CognitoIdentityCredentials` (decision 0033 section 4).
   */
  readonly session: string;
  /** The Cognito user pool user (`sub`) behind an identity-pool session: who acted, in the audit entry. */
  readonly user?: string;
  /**
   * The software agent acting with the caller's credentials, when the request says so (`Operator-Agent`
   * header, e.g. `mcp/claude-desktop`: the MCP server, docs/decisions/0030-mcp-server.md). The signer
   * declares it and SigV4 covers it; it names who acted for the authenticated principal, never grants.
   */
  readonly agent?: string;
}

interface OperatorRequest {
  readonly principal: OperatorPrincipal;
  readonly requestId: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

export interface OperatorQueryRequest<Query> extends OperatorRequest {
  readonly query: Query;
}

export interface OperatorCommandRequest<Body> extends OperatorRequest {
  readonly body: Body;
  /** This request's identity in the audit log (operators' requests are not replayed: see docs/operations.md). */
  readonly commandId: string;
}

export interface OperatorCommandResult extends CommandResult {
  /** The change, and the merchant whose audit chain records it. */
  readonly change?: AuditedChange & { readonly merchantId: string };
}


const forbidden = (detail: string) => new RequestError(problem(403, 'forbidden', detail));


/** The agent the request names, checked: 1 to 64 characters of letters, digits and `._:/-`, else 400 naming the header. */
const agentOf = (event: APIGatewayProxyEvent): string | undefined => {
  const value = header(event, OPERATOR_AGENT_HEADER);
  if (value === undefined) return undefined;
  if (!OPERATOR_AGENT_SHAPE.test(value)) {
    throw new RequestError(
      problem(400, 'operator_agent_invalid', `The ${OPERATOR_AGENT_HEADER} header names the agent acting for the operator in 1 to 64 letters, digits and ._:/- characters.`, {
        errors: [{ field: OPERATOR_AGENT_HEADER, message: 'must be 1 to 64 letters, digits and ._:/- characters, starting with a letter or digit' }],
      }),
    );
  }
  return value;
};

/**
 * The user pool user behind credentials the console's identity pool handed out: API Gateway reports the
 * provider as `cognito-idp.<region>.amazonaws.com/<pool>,cognito-idp.<region>.amazonaws.com/<pool>:CognitoSignIn:<sub>`
 * for an authenticated identity. Undefined for any other caller (an assumed role from the CLI, an agent).
 */
const consoleUserOf = (event: APIGatewayProxyEvent): string | undefined => {
  const identity = event.requestContext.identity;
  if (identity?.cognitoAuthenticationType !== 'authenticated') return undefined;
  return /:CognitoSignIn:([0-9a-f-]{36})$/.exec(identity.cognitoAuthenticationProvider ?? '')?.[1];
};

/**
 * The caller, allowed on this route, and the route's path parameters checked against their declared id
 * shapes. Who asked goes on the invocation's log line, refused or not.
 */
export const operatorOf = (event: APIGatewayProxyEvent, note: LogNote): { principal: OperatorPrincipal; pathParameters: Readonly<Record<string, string>> } => {
  const arn = event.requestContext.identity?.userArn ?? '';
  note({ operator_arn: arn });
  const caller = operatorRoleOfArn(arn, awsRegion());
  if (!caller) throw forbidden('This API serves operators only: sign requests with the credentials of an ops_viewer or ops_admin role.');
  note({ operator_role: caller.role });
  const agent = agentOf(event);
  if (agent !== undefined) note({ operator_agent: agent });
  const user = consoleUserOf(event);
  if (user !== undefined) note({ operator_user: user });
  const route = operatorRouteFor(event.httpMethod, event.resource);
  // The MCP function acting as a role may call fewer routes than the role (its tools'): checked as its IAM policy has them.
  if (!route || !operatorMayCall(caller, route)) {
    throw forbidden(`The ${caller.role} role${caller.principal === 'mcp-function' ? "'s MCP function" : ''} may not call ${event.httpMethod} ${event.resource}.`);
  }
  const principal: OperatorPrincipal = {
    role: caller.role,
    session: caller.session,
    arn,
    ...(user !== undefined ? { user, session: `cognito:${user}` } : {}),
    ...(agent !== undefined ? { agent } : {}),
  };
  return { principal, pathParameters: checkedPathParameters(event, route.params) };
};

/** Operator GET endpoints: checked path ids, a validated query string, no body. */
export const operatorQueryEndpoint = <QuerySchema extends z.ZodMiniType>(definition: {
  readonly operation: string;
  readonly query: QuerySchema;
  readonly handle: (request: OperatorQueryRequest<z.infer<QuerySchema>>) => Promise<EndpointResult>;
}) =>
  wrap(definition.operation, async (event, _context, note) => {
    const { principal, pathParameters } = operatorOf(event, note);
    const query = parseOrRefuse(definition.query, singleQueryParameters(event));
    const requestId = event.requestContext.requestId;
    const result = await definition.handle({ principal, requestId, pathParameters, query });
    return jsonResponse(result.status, result.body, requestId);
  });

/** Operator POST endpoints: a validated JSON body; the effect is recorded in the merchant's audit chain. */
export const operatorCommandEndpoint = <BodySchema extends z.ZodMiniType>(definition: {
  readonly operation: string;
  readonly body: BodySchema;
  readonly audit: { readonly action: string };
  readonly handle: (request: OperatorCommandRequest<z.infer<BodySchema>>) => Promise<OperatorCommandResult>;
}) => {
  const auditLog = auditLogOf();
  return wrap(definition.operation, async (event, _context, note) => {
    const { principal, pathParameters } = operatorOf(event, note);
    const body = parseOrRefuse(definition.body, parseJsonBody(event));
    const requestId = event.requestContext.requestId;
    const commandId = commandIdOf('operator', requestId);
    const result = await definition.handle({ principal, requestId, pathParameters, body, commandId });
    if (result.change && result.status < 300) {
      await recordAudit(auditLog, {
        merchant_id: result.change.merchantId,
        actor: {
          type: 'operator',
          role: principal.role,
          arn: principal.arn,
          ...(principal.user !== undefined ? { user: principal.user } : {}),
          ...(principal.agent !== undefined ? { agent: principal.agent } : {}),
        },
        action: definition.audit.action,
        target: result.change.target,
        request_id: requestId,
        command_id: commandId,
        before: result.change.before,
        after: result.change.after,
      }, note);
    }
    const responseBody = result.once ? { ...(result.body as Record<string, unknown>), ...result.once } : result.body;
    return jsonResponse(result.status, responseBody, requestId);
  });
};
