import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, type FunctionKey, functionEnvironment, functionName, functions } from '../../platform/functions';
import { kmsKeys } from '../../platform/keys';
import { type TableKey, tableName, tables } from '../../platform/tables';
import { type KmsKeyArns, kmsStatements, usesKms } from './kms-grants';
import { retentionDays } from './retention';

/**
 * One declared function (platform/functions.ts): a NodejsFunction bundled by esbuild (ESM, Node 24,
 * arm64, SDK bundled so the version tested is the version run), its own role holding exactly the
 * declared DynamoDB actions on the declared tables and indexes and the declared KMS actions on this
 * region's keys (./kms-grants.ts), and its own log group.
 */
export const repositoryRoot = join(import.meta.dirname, '..', '..');

export interface PlatformFunctionProps {
  readonly key: FunctionKey;
  /** Variables beyond the declared tables' names (ARNs known only at deploy time). */
  readonly environment?: Record<string, string>;
  /** This region's KMS key ARNs; required when the declaration names KMS actions. */
  readonly keyArns?: KmsKeyArns;
}

export class PlatformFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    const declaration: FunctionDeclaration = functions[props.key];
    const name = functionName(deployment.appName, props.key);
    const stack = Stack.of(this);

    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${name}`,
      retention: retentionDays(deployment.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: only what ${declaration.entry} needs`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logGroup.logGroupArn}`],
      }),
    );
    for (const [table, actions] of Object.entries(declaration.tables) as [TableKey, readonly string[]][]) {
      const tableArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName(table) });
      const indexArns = actions.includes('dynamodb:Query')
        ? tables[table].indexes.map((index) => `${tableArn}/index/${index.name}`)
        : [];
      this.role.addToPolicy(
        new PolicyStatement({ sid: `Table${table.replace(/^./, (c) => c.toUpperCase())}`, actions: [...actions], resources: [tableArn, ...indexArns] }),
      );
    }

    let keyEnvironment: Record<string, string> = {};
    if (usesKms(declaration.kms)) {
      if (!props.keyArns) throw new Error(`${props.key} declares KMS use but no key ARNs were given`);
      for (const statement of kmsStatements(declaration.kms, props.keyArns)) this.role.addToPolicy(statement);
      keyEnvironment = { [kmsKeys.data.envVar]: props.keyArns.data, [kmsKeys.fingerprint.envVar]: props.keyArns.fingerprint };
    }

    this.function = new NodejsFunction(this, 'Function', {
      functionName: name,
      description: declaration.description,
      entry: join(repositoryRoot, declaration.entry),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: declaration.memoryMb,
      timeout: Duration.seconds(declaration.timeoutSeconds),
      role: this.role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      environment: {
        ...functionEnvironment(props.key),
        ...keyEnvironment,
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: deployment.appName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: [],
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
  }
}
