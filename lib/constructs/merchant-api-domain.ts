import { Duration, Stack } from 'aws-cdk-lib';
import { DomainName, EndpointType, type RestApi, SecurityPolicy } from 'aws-cdk-lib/aws-apigateway';
import { Certificate, CertificateValidation } from 'aws-cdk-lib/aws-certificatemanager';
import { ARecord, Failover, HealthCheck, HealthCheckType, HostedZone, type IAliasRecordTarget, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { type MerchantApiDomainConfig, deployment } from '../../platform/deployment';

/**
 * The merchant API's custom domain in one region (docs/decisions/0024-home-region-routing-and-moves.md): a
 * regional API Gateway domain name (TLS 1.2, an ACM certificate validated through the hosted zone) mapped to the
 * stage, a Route 53 HTTPS health check of this region's API, and this region's failover alias record: PRIMARY in
 * the primary region, SECONDARY in the other. Route 53 answers with the secondary only while the primary's
 * health check fails. The check reads GET /v1/openapi.json (public, served by a Lambda function): it proves
 * API Gateway and Lambda answer in the region, not that DynamoDB does (docs/runbooks.md says what it misses).
 */
export interface MerchantApiDomainProps {
  readonly api: RestApi;
  readonly domain: MerchantApiDomainConfig;
}

export class MerchantApiDomain extends Construct {
  readonly healthCheck: HealthCheck;
  readonly record: ARecord;

  constructor(scope: Construct, id: string, props: MerchantApiDomainProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.domain.hostedZoneId, zoneName: props.domain.hostedZoneName });
    const certificate = new Certificate(this, 'Certificate', {
      domainName: props.domain.domainName,
      validation: CertificateValidation.fromDns(zone),
    });
    const domainName = new DomainName(this, 'DomainName', {
      domainName: props.domain.domainName,
      certificate,
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
      mapping: props.api,
    });
    this.healthCheck = new HealthCheck(this, 'HealthCheck', {
      type: HealthCheckType.HTTPS,
      // This region's own endpoint, not the custom domain (which would follow the failover itself).
      fqdn: `${props.api.restApiId}.execute-api.${region}.${Stack.of(this).urlSuffix}`,
      resourcePath: `/${deployment.apiStageName}/v1/openapi.json`,
      port: 443,
      requestInterval: Duration.seconds(30),
      failureThreshold: 3,
    });
    const primary = region === deployment.primaryRegion;
    // Route 53 requires a failover alias to evaluate its target's health too (the regional API domain);
    // ApiGatewayDomain has no option for it, so its alias configuration is extended here.
    const apiDomain = new ApiGatewayDomain(domainName);
    const target: IAliasRecordTarget = { bind: (record, zoneOfRecord) => ({ ...apiDomain.bind(record, zoneOfRecord), evaluateTargetHealth: true }) };
    this.record = new ARecord(this, 'FailoverRecord', {
      zone,
      recordName: props.domain.domainName,
      target: RecordTarget.fromAlias(target),
      failover: primary ? Failover.PRIMARY : Failover.SECONDARY,
      setIdentifier: `${deployment.appName}-merchant-api-${region}`,
      healthCheck: this.healthCheck,
    });
  }
}
