import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type FunctionKey, functionEnvironment, functionName, functions } from '../../platform/functions';
import { type TableKey, tableName, tables } from '../../platform/tables';
import { retentionDays } from './retention';

/**
 * One declared function (platform/functions.ts): a NodejsFunction bundled by esbuild (ESM, Node 24,
 * arm64, SDK bundled so the version tested is the version run), its own role holding exactly the
 * declared DynamoDB actions on the declared tables and indexes, and its own log group.
 */
export const repositoryRoot = join(import.meta.dirname, '..', '..');

export interface PlatformFunctionProps {
  readonly key: FunctionKey;
  /** Variables beyond the declared tables' names (ARNs known only at deploy time). */
  readonly environment?: Record<string, string>;
}

export class PlatformFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    const declaration = functions[props.key];
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
