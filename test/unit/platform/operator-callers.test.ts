import { mcpRoutesOf, operatorMayCall, operatorRoleOfArn, operatorRouteFor } from '../../../platform/operator-routes';

/**
 * Who the operator API takes a SigV4 principal for (platform/operator-routes.ts): an operator role's session, or
 * an MCP function's execution role acting as that role and allowed only its tools' routes (decision 0045).
 */
const region = 'us-east-1';
const sts = (role: string, session: string) => `arn:aws:sts::123456789012:assumed-role/${role}/${session}`;

it.each([
  ['an operator session', sts('xborder-ops-admin-us-east-1', 'alice'), { role: 'ops_admin', session: 'alice', principal: 'operator' }],
  ["the viewer's MCP function", sts('xborder-mcp-ops-viewer-us-east-1', 'xborder-ops-mcp-viewer'), { role: 'ops_viewer', session: 'xborder-ops-mcp-viewer', principal: 'mcp-function' }],
  ["the admin's MCP function", sts('xborder-mcp-ops-admin-us-east-1', 'xborder-ops-mcp-admin'), { role: 'ops_admin', session: 'xborder-ops-mcp-admin', principal: 'mcp-function' }],
  ["another region's MCP function", sts('xborder-mcp-ops-admin-eu-west-1', 'xborder-ops-mcp-admin'), undefined],
  ['any other role', sts('xborder-create-payment-role', 'x'), undefined],
  ['an IAM user', 'arn:aws:iam::123456789012:user/alice', undefined],
])('takes %s for %j', (_what, arn, expected) => {
  expect(operatorRoleOfArn(arn, region)).toEqual(expected);
});

it("allows an MCP function's role only its tools' routes of its role; an operator's session every route of its role", () => {
  const onboard = operatorRouteFor('POST', '/v1/merchants');
  const review = operatorRouteFor('POST', '/v1/payouts/{id}/review');
  const getMerchant = operatorRouteFor('GET', '/v1/merchants/{id}');
  const listPayouts = operatorRouteFor('GET', '/v1/payouts');
  for (const route of [onboard, review, getMerchant, listPayouts]) expect(route).toBeDefined();
  const allowed = (role: 'ops_viewer' | 'ops_admin', principal: 'operator' | 'mcp-function') =>
    [onboard, review, getMerchant, listPayouts].map((route) => operatorMayCall({ role, principal }, route as NonNullable<typeof route>));
  expect(allowed('ops_admin', 'operator')).toEqual([true, true, true, true]);
  expect(allowed('ops_admin', 'mcp-function')).toEqual([false, true, false, true]);
  expect(allowed('ops_viewer', 'operator')).toEqual([false, false, true, true]);
  expect(allowed('ops_viewer', 'mcp-function')).toEqual([false, false, false, true]);
  expect(mcpRoutesOf('ops_viewer')).toHaveLength(12);
  expect(mcpRoutesOf('ops_admin')).toHaveLength(14);
});
