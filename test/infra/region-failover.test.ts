import { Match } from 'aws-cdk-lib/assertions';
import { globalTableKeys } from '../../lib/data-stack';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';
import { resourcesOf, synthesizePlatform } from './synth';

/**
 * Region failover in AWS (docs/decisions/0024-home-region-routing-and-moves.md, docs/runbooks.md "Region loss"):
 * the merchant API's custom domain in both regions behind Route 53 failover records, each with an HTTPS health
 * check of its own region's API; the ReplicationLatency of every global table pages; none of the domain's
 * resources without a configured domain.
 */
const domain = { domainName: 'api.xborder.example', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'xborder.example' };
const regionalApiUrls = {
  [deployment.primaryRegion]: `https://abc123.execute-api.${deployment.primaryRegion}.amazonaws.com/prod`,
  [deployment.secondaryRegion]: `https://def456.execute-api.${deployment.secondaryRegion}.amazonaws.com/prod`,
};
const withDomain = synthesizePlatform({ merchantApiDomain: domain, regionalApiUrls });
const without = synthesizePlatform();

describe.each([
  ['primary', withDomain.templates.primaryApi, 'PRIMARY', deployment.primaryRegion],
  ['secondary', withDomain.templates.secondaryApi, 'SECONDARY', deployment.secondaryRegion],
] as const)('in the %s region', (_role, template, failover, region) => {
  it(`serves the domain on a regional TLS 1.2 API Gateway domain name with its own DNS-validated certificate`, () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: domain.domainName, ValidationMethod: 'DNS' });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: domain.domainName,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
  });

  it(`health-checks this region's own API endpoint over HTTPS (the public OpenAPI document)`, () => {
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'HTTPS',
        Port: 443,
        ResourcePath: `/${deployment.apiStageName}/v1/openapi.json`,
        FullyQualifiedDomainName: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^MerchantApi') }, `.execute-api.${region}.`])] },
        FailureThreshold: 3,
        RequestInterval: 30,
      }),
    });
  });

  it(`answers the domain with a ${failover} failover alias record tied to that health check`, () => {
    const records = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::Route53::RecordSet');
    expect(records).toHaveLength(1);
    expect(records[0]?.Properties).toMatchObject({
      Name: `${domain.domainName}.`,
      Type: 'A',
      HostedZoneId: domain.hostedZoneId,
      Failover: failover,
      SetIdentifier: `${deployment.appName}-merchant-api-${region}`,
      HealthCheckId: { Ref: expect.stringMatching(/HealthCheck/) },
      AliasTarget: expect.objectContaining({ DNSName: expect.anything(), HostedZoneId: expect.anything(), EvaluateTargetHealth: true }),
    });
  });

  it.each(globalTableKeys)('pages when the %s global table replicates to the other region too slowly', (key) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${deployment.appName}-${key}-ReplicationLatency`,
      Namespace: 'AWS/DynamoDB',
      MetricName: 'ReplicationLatency',
      Dimensions: Match.arrayEquals([
        { Name: 'ReceivingRegion', Value: region === deployment.primaryRegion ? deployment.secondaryRegion : deployment.primaryRegion },
        { Name: 'TableName', Value: tableName(key) },
      ]),
      Statistic: 'Average',
      Threshold: deployment.replicationLatencyAlarmMs,
      EvaluationPeriods: 5,
      AlarmActions: [Match.anyValue()],
    });
  });
});

it('builds no domain, certificate, health check or record when no domain is configured', () => {
  for (const template of [without.templates.primaryApi, without.templates.secondaryApi]) {
    for (const type of ['AWS::Route53::RecordSet', 'AWS::Route53::HealthCheck', 'AWS::ApiGateway::DomainName', 'AWS::CertificateManager::Certificate']) {
      template.resourceCountIs(type, 0);
    }
  }
});

it('lets the home-region move read the marker in the other region only (its replica of the ledger table)', () => {
  const change = Object.values(resourcesOf(withDomain.templates.primaryApi)).find(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === `${deployment.appName}-change-home-region`,
  );
  expect(change?.Properties).toMatchObject({ Environment: { Variables: expect.objectContaining({ REPLICA_REGION: deployment.secondaryRegion }) } });
});

it("gives the functions that forward to a merchant's home region, and only them, each region's API URL (decisions 0039, 0049), when the deployment knows them", () => {
  const holding = (template: typeof without.templates.primaryApi) =>
    Object.values(resourcesOf(template))
      .filter((resource) => resource.Type === 'AWS::Lambda::Function' && (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.REGION_API_URLS !== undefined)
      .map((resource) => [resource.Properties?.FunctionName, (resource.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.REGION_API_URLS])
      .sort(([a], [b]) => String(a).localeCompare(String(b)));
  for (const template of [withDomain.templates.primaryApi, withDomain.templates.secondaryApi]) {
    // The acquirers' webhooks (0039); the payout rails' callbacks and Meridian's inbox pull (0049).
    expect(holding(template)).toEqual(
      ['pull-payout-rail-inbox', 'receive-channel-event', 'receive-payout-rail-events'].map((name) => [`${deployment.appName}-${name}`, JSON.stringify(regionalApiUrls)]),
    );
  }
  expect(holding(without.templates.primaryApi)).toEqual([]);
});
