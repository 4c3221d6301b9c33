/**
 * The DynamoDB endpoint of another region's replica, for the local two-region platform only (decision 0036):
 * there each region has its own DynamoDB Local, and the standard AWS_ENDPOINT_URL_DYNAMODB names this region's.
 * The local runtime sets `XBORDER_LOCAL_DYNAMODB_ENDPOINT_<REGION>` (e.g. `..._US_WEST_2`) for the other region;
 * in AWS nothing sets it and the SDK resolves the region's public endpoint.
 */
export const localReplicaEndpointVariable = (region: string): string =>
  `XBORDER_LOCAL_DYNAMODB_ENDPOINT_${region.toUpperCase().replace(/-/g, '_')}`;
