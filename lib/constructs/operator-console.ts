import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AuthorizationType, AwsIntegration, MockIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AccountRecovery,
  CfnIdentityPool,
  CfnIdentityPoolRoleAttachment,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { FederatedPrincipal, ManagedPolicy, PolicyStatement, type Role, ServicePrincipal, Role as IamRole } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { CONSOLE_CONFIG_FILE, type ConsoleConfig } from '../../platform/console-config';
import { CONSOLE_FILES, CONSOLE_PATH, OPERATOR_ROLES, type OperatorRole, consoleSecurityHeaders, operatorRoleName } from '../../platform/operator-routes';
import { acknowledgeGuard, acknowledgeNag } from './acknowledgements';

/**
 * The ops console in AWS (decisions 0022 and 0033 section 4): who may sign in, how the browser gets an operator
 * role's credentials, and where its static files are served.
 * - A Cognito user pool `<app>-operators-<region>`: no self sign-up (an admin creates each operator), MFA required
 *   (TOTP only), the Plus tier with threat protection enforced, passwords of at least 14 characters, deletion
 *   protection; groups `ops_admin` and `ops_viewer`, each carrying its region's operator role (admin first).
 * - One app client for the console: no secret, authorization code with PKCE through Cognito's managed login,
 *   called back to the console's own URL on the operator API, ID and access tokens valid one hour, renewed by the
 *   page with a refresh token valid twelve hours (decision 0051), revocable.
 * - An identity pool without unauthenticated identities that maps a signed-in operator to the role of the token's
 *   `cognito:preferred_role` (role mapping `Token`, ambiguous `Deny`); the two roles trust it for
 *   `sts:AssumeRoleWithWebIdentity`, only for this pool (`aud`) and authenticated identities (`amr`). The browser
 *   signs with those temporary credentials as it does locally: the same execute-api policies, the same checks.
 * - The static files (`npm run console:build`, uploaded to the bucket by the deploy step in docs/deploy.md) in an
 *   encrypted, versioned, private, access-logged bucket, served by `GET /console` and `GET /console/{file}` on the
 *   operator API through an S3 integration whose role may read those objects only; and beside them
 *   `GET /console/config.json`, what the page's sign-in needs (platform/console-config.ts: the pools, the client, the
 *   managed-login domain, the API's URL), answered by API Gateway itself (a mock integration) from the values
 *   CloudFormation resolves, so the deployment writes it and no upload step can leave it stale (decision 0046).
 *   Those three methods are the only unauthenticated ones: they serve the app's code and its public settings,
 *   no data and no secret. Every response carries the console's security headers, whose CSP lets the page reach
 *   its own origin and the two Cognito origins of the sign-in, nothing else.
 */
export interface OperatorConsoleProps {
  readonly api: RestApi;
  readonly roles: Readonly<Record<OperatorRole, Role>>;
}

export class OperatorConsole extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly identityPool: CfnIdentityPool;
  readonly files: Bucket;
  /** What `GET /console/config.json` answers (tokens CloudFormation resolves). */
  readonly config: ConsoleConfig;

  constructor(scope: Construct, id: string, props: OperatorConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Written out rather than `api.urlForPath`, which names the stage resource: the config method below names the
    // client and the identity pool, the client names this URL, and the stage depends on every method (a cycle).
    const apiUrl = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${deployment.apiStageName}`;
    const consoleUrl = `${apiUrl}${CONSOLE_PATH}/`;

    this.userPool = new UserPool(this, 'Operators', {
      userPoolName: `${deployment.appName}-operators-${stack.region}`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const login = this.userPool.addDomain('Login', {
      cognitoDomain: { domainPrefix: `${deployment.appName}-operators-${stack.region}-${stack.account}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.client = this.userPool.addClient('Console', {
      userPoolClientName: `${deployment.appName}-ops-console`,
      generateSecret: false,
      // Only the managed login's authorization code flow (with PKCE): no password or SRP sign-in from the page itself.
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // How long a sign-in lasts (decision 0051): the page renews its one-hour ID token with the refresh token, in
      // memory only, until this runs out; then the managed login again. A working day, and no longer than the longest
      // session IAM gives a role. Sign-out revokes the refresh token (token revocation), and an administrator's
      // `admin-user-global-sign-out` revokes them all: no refresh after it.
      refreshTokenValidity: Duration.hours(12),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    new CfnManagedLoginBranding(this, 'LoginBranding', { userPoolId: this.userPool.userPoolId, clientId: this.client.userPoolClientId, useCognitoProvidedValues: true });

    // Precedence: the lower wins when a user is in both groups, so an admin's token prefers the admin role.
    const precedence: Record<OperatorRole, number> = { ops_admin: 0, ops_viewer: 1 };
    for (const role of OPERATOR_ROLES) {
      new CfnUserPoolGroup(this, role === 'ops_admin' ? 'AdminGroup' : 'ViewerGroup', {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        precedence: precedence[role],
        roleArn: props.roles[role].roleArn,
        description: `Operators acting as ${role} (IAM role ${props.roles[role].roleName})`,
      });
    }

    this.identityPool = new CfnIdentityPool(this, 'IdentityPool', {
      identityPoolName: `${deployment.appName}_operators_${stack.region.replace(/-/g, '_')}`,
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      cognitoIdentityProviders: [{ clientId: this.client.userPoolClientId, providerName: this.userPool.userPoolProviderName, serverSideTokenCheck: true }],
    });
    new CfnIdentityPoolRoleAttachment(this, 'RoleMapping', {
      identityPoolId: this.identityPool.ref,
      // No default role: an operator gets the role of their group or nothing.
      roles: {},
      roleMappings: {
        operators: {
          identityProvider: `${this.userPool.userPoolProviderName}:${this.client.userPoolClientId}`,
          type: 'Token',
          ambiguousRoleResolution: 'Deny',
        },
      },
    });
    for (const role of OPERATOR_ROLES) {
      props.roles[role].assumeRolePolicy?.addStatements(
        new PolicyStatement({
          sid: 'OperatorsSignedInThroughTheConsole',
          principals: [new FederatedPrincipal('cognito-identity.amazonaws.com')],
          actions: ['sts:AssumeRoleWithWebIdentity'],
          conditions: {
            StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
          },
        }),
      );
    }

    const accessLogs = new Bucket(this, 'FileAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(deployment.logRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.files = new Bucket(this, 'Files', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'console-files/',
      // Each upload replaces the files; the versions it replaced go after a month.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const reader = new IamRole(this, 'FilesReader', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: `${deployment.appName} operator API: reads the ops console's static files (s3:GetObject on them only)`,
    });
    new ManagedPolicy(this, 'FilesReaderPolicy', {
      description: `${deployment.appName} operator API: s3:GetObject on the ops console's files only`,
      roles: [reader],
      statements: [new PolicyStatement({ sid: 'ReadConsoleFiles', actions: ['s3:GetObject'], resources: CONSOLE_FILES.map((file) => this.files.arnForObjects(file)) })],
    });

    this.config = {
      region: stack.region,
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      loginUrl: login.baseUrl(),
      identityPoolId: this.identityPool.ref,
      identityUrl: `https://cognito-identity.${stack.region}.${stack.urlSuffix}`,
      apiUrl,
      consoleUrl,
      // The groups' roles, by their fixed names (the groups' own RoleArn references would tie this method to the roles).
      roles: Object.fromEntries(
        OPERATOR_ROLES.map((role) => [role, stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: operatorRoleName(role, stack.region) })]),
      ) as Record<OperatorRole, string>,
    };
    const securityHeaders = consoleSecurityHeaders(this.config);
    const headers = Object.fromEntries(Object.keys(securityHeaders).map((name) => [`method.response.header.${name}`, true]));
    const headerValues = Object.fromEntries(Object.entries(securityHeaders).map(([name, value]) => [`method.response.header.${name}`, `'${value}'`]));
    const integration = (path: string, requestParameters: Record<string, string> = {}) =>
      new AwsIntegration({
        service: 's3',
        integrationHttpMethod: 'GET',
        path: `${this.files.bucketName}/${path}`,
        options: {
          credentialsRole: reader,
          requestParameters,
          integrationResponses: [
            {
              statusCode: '200',
              responseParameters: { 'method.response.header.Content-Type': 'integration.response.header.Content-Type', ...headerValues },
            },
            // A file that is not there (S3 answers 403 to a role that may not list the bucket) or any other refusal.
            { statusCode: '404', selectionPattern: '4\\d{2}', responseParameters: headerValues, responseTemplates: { 'application/json': '{"status":404,"code":"not_found"}' } },
          ],
        },
      });
    const methodResponses = [
      { statusCode: '200', responseParameters: { 'method.response.header.Content-Type': true, ...headers } },
      { statusCode: '404', responseParameters: headers },
    ];
    const staticReason =
      'Serves the ops console\'s static files (HTML, script, style sheet) and its sign-in settings (public ids and URLs of the pools, the app client and the API): the app\'s code, no data and no secret; every API call the page makes is SigV4-signed with the operator\'s own role credentials and IAM-authorized.';
    const root = props.api.root.resourceForPath(CONSOLE_PATH);
    const index = root.addMethod('GET', integration('index.html'), { authorizationType: AuthorizationType.NONE, methodResponses, operationName: 'consoleIndex' });
    const file = root
      .addResource('{file}')
      .addMethod('GET', integration('{file}', { 'integration.request.path.file': 'method.request.path.file' }), {
        authorizationType: AuthorizationType.NONE,
        requestParameters: { 'method.request.path.file': true },
        methodResponses,
        operationName: 'consoleFile',
      });
    // The sign-in's settings: a literal resource, which API Gateway prefers to `{file}` for this one name.
    const config = root.addResource(CONSOLE_CONFIG_FILE).addMethod(
      'GET',
      new MockIntegration({
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [
          {
            statusCode: '200',
            responseParameters: { 'method.response.header.Content-Type': "'application/json'", ...headerValues },
            responseTemplates: { 'application/json': stack.toJsonString(this.config) },
          },
        ],
      }),
      { authorizationType: AuthorizationType.NONE, methodResponses: [{ statusCode: '200', responseParameters: { 'method.response.header.Content-Type': true, ...headers } }], operationName: 'consoleConfig' },
    );
    for (const method of [index, file, config]) {
      acknowledgeNag(method, 'AwsSolutions-APIG4', staticReason);
      acknowledgeNag(method, 'AwsSolutions-COG4', staticReason);
    }
    // One console bucket per region, in the same region as the API: nothing to replicate, the files are rebuilt from git.
    const noReplication = 'The bucket holds the ops console\'s build output, rebuilt from the repository by `npm run console:build` and uploaded per region; a replica would add nothing a redeploy does not.';
    const s3Keys = 'Public static files and access logs without data: SSE-S3 encrypts them at rest; a KMS key would add a decrypt grant to API Gateway\'s integration role and cost per request for nothing secret.';
    for (const bucket of [this.files, accessLogs]) {
      acknowledgeNag(bucket, 'NIST.800.53.R5-S3BucketReplicationEnabled', noReplication);
      acknowledgeNag(bucket, 'PCI.DSS.321-S3BucketReplicationEnabled', noReplication);
      acknowledgeNag(bucket, 'NIST.800.53.R5-S3DefaultEncryptionKMS', s3Keys);
      acknowledgeNag(bucket, 'PCI.DSS.321-S3DefaultEncryptionKMS', s3Keys);
    }
    // What the deploy step (docs/deploy.md) and the console's sign-in need.
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl, description: 'The ops console' });
    new CfnOutput(this, 'ConsoleFilesBucket', { value: this.files.bucketName, description: 'Where `npm run console:build` output is uploaded' });
    new CfnOutput(this, 'OperatorsUserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'ConsoleClientId', { value: this.client.userPoolClientId });
    new CfnOutput(this, 'OperatorsIdentityPoolId', { value: this.identityPool.ref });

    const logsOfLogs = 'This bucket receives the console bucket\'s server access logs; logging its own access would log the log deliveries themselves, without end.';
    acknowledgeNag(accessLogs, 'AwsSolutions-S1', logsOfLogs);
    acknowledgeNag(accessLogs, 'NIST.800.53.R5-S3BucketLoggingEnabled', logsOfLogs);
    acknowledgeNag(accessLogs, 'PCI.DSS.321-S3BucketLoggingEnabled', logsOfLogs);
    acknowledgeGuard(accessLogs, 's3_bucket_logging_enabled_check', logsOfLogs);
    for (const bucket of [this.files, accessLogs]) {
      acknowledgeGuard(bucket, 's3_bucket_default_encryption_kms_check', s3Keys);
      acknowledgeGuard(
        bucket,
        's3_event_notifications_enabled_check',
        'Nothing reacts to these objects: the console files change only through the deploy step, and the access logs are read when investigating; notifications would have no consumer.',
      );
      acknowledgeGuard(
        bucket,
        's3_bucket_object_lock_enabled_check',
        'The console files are replaced at every deploy (versioning keeps the previous ones a month), and object lock cannot be enabled on an existing bucket later without recreating it; the access logs expire with the platform log retention.',
      );
    }
  }
}
