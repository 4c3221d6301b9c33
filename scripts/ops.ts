import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type OperatorResponse, operatorRequest } from '../lambdas/adapters/http/operator-client';
import { OperatorTargetError, awsOperatorTarget, localOperatorTarget } from '../local/iam/operator-target';
import { OPERATOR_ROLES, type OperatorRole } from '../platform/operator-routes';

/**
 * `npm run ops -- <command>`: the operator CLI. Every command is one signed (SigV4) request to the operator
 * API (docs/operations.md), as the least role that may run it unless --role says otherwise.
 *
 * Locally (default) it reads the API's URL from <state-dir>/runtime.json and the role's credentials from
 * <state-dir>/operators.json, both written by `npm start`. With --aws it calls --url with the credentials
 * of the default AWS chain: use a profile that assumes the xborder-ops-viewer-<region> or
 * xborder-ops-admin-<region> role (AWS_PROFILE=...).
 */
const usage = `Usage: npm run ops -- <command> [arguments] [options]

Commands (role needed):
  merchant <merchant id>                       a merchant and its keys, redacted (ops_viewer)
  onboard --name <name> [--id mer_...]         a new merchant and its first secret key, shown once (ops_admin)
  create-key <merchant id>                     another secret key for a merchant, shown once (ops_admin)
  revoke-key <merchant id> <key id>            revoke a key, even the merchant's last one (ops_admin)
  audit <merchant id> [--limit N] [--starting-after <entry id>]
                                               the merchant's audit log, newest first (ops_viewer)
  verify-audit <merchant id>                   check every link of the merchant's audit chains; exit 1 if broken (ops_viewer)
  payment <payment id>                         any merchant's payment (ops_viewer)
  payout <payout id>                           any merchant's payout, with what screening matched (ops_viewer)
  alarms [--state ALARM|INSUFFICIENT_DATA|OK]  the region's alarms, firing first: since when, why, the runbook section (ops_viewer)
  review-payout <payout id> approve|reject [--note TEXT]
                                               decide a payout held for review (ops_admin)
  move-home <merchant id> --to <region>        start the merchant's home-region move workflow (begin, drain,
                                               fence, replication, switch); watch it in the Step Functions
                                               console or the local engine (ops_admin; docs/runbooks.md)
            [--force]                          the home region is lost: asked of the surviving region's
                                               operator API for itself, drains nothing, reads no replica

Options:
  --role ops_viewer|ops_admin   sign as this role (default: the least role the command needs)
  --state-dir DIR               local runtime state (default .local): runtime.json, operators.json
  --aws --url URL               call the operator API in AWS (stage URL) with the default AWS credentials
  --region REGION               signing region in AWS (default: from the URL, else AWS_REGION)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    role: { type: 'string' },
    'state-dir': { type: 'string', default: process.env.XBORDER_STATE_DIR ?? '.local' },
    aws: { type: 'boolean', default: false },
    url: { type: 'string' },
    region: { type: 'string' },
    name: { type: 'string' },
    id: { type: 'string' },
    limit: { type: 'string' },
    'starting-after': { type: 'string' },
    note: { type: 'string' },
    to: { type: 'string' },
    force: { type: 'boolean', default: false },
    state: { type: 'string' },
  },
});

class UsageError extends Error {}

interface Call {
  readonly role: OperatorRole;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  /** Printed on stderr after a successful answer. */
  readonly note?: string;
}

const argument = (index: number, name: string): string => {
  const value = positionals[index];
  if (!value) throw new UsageError(`missing <${name}>`);
  return encodeURIComponent(value);
};

const secretNote = 'The secret key above is shown once and stored nowhere: hand it to the merchant now.';

const callFor = (command: string | undefined): Call => {
  switch (command) {
    case 'merchant':
      return { role: 'ops_viewer', method: 'GET', path: `/v1/merchants/${argument(1, 'merchant id')}` };
    case 'onboard': {
      if (!values.name) throw new UsageError('onboard needs --name');
      // Generated once per command, so a retried request cannot create a second merchant.
      const id = values.id ?? `mer_${[...randomBytes(16)].map((byte) => 'abcdefghijklmnopqrstuvwxyz234567'[byte % 32]).join('')}`;
      return { role: 'ops_admin', method: 'POST', path: '/v1/merchants', body: { name: values.name, id }, note: secretNote };
    }
    case 'create-key':
      return { role: 'ops_admin', method: 'POST', path: `/v1/merchants/${argument(1, 'merchant id')}/api_keys`, body: {}, note: secretNote };
    case 'revoke-key':
      return { role: 'ops_admin', method: 'POST', path: `/v1/merchants/${argument(1, 'merchant id')}/api_keys/${argument(2, 'key id')}/revoke`, body: {} };
    case 'audit':
      return {
        role: 'ops_viewer',
        method: 'GET',
        path: `/v1/merchants/${argument(1, 'merchant id')}/audit_entries`,
        query: { limit: values.limit, starting_after: values['starting-after'] },
      };
    case 'verify-audit':
      return { role: 'ops_viewer', method: 'GET', path: `/v1/merchants/${argument(1, 'merchant id')}/audit_verification` };
    case 'payment':
      return { role: 'ops_viewer', method: 'GET', path: `/v1/payments/${argument(1, 'payment id')}` };
    case 'payout':
      return { role: 'ops_viewer', method: 'GET', path: `/v1/payouts/${argument(1, 'payout id')}` };
    case 'alarms':
      return { role: 'ops_viewer', method: 'GET', path: '/v1/alarms', query: { state: values.state } };
    case 'review-payout': {
      const decision = positionals[2];
      if (decision !== 'approve' && decision !== 'reject') throw new UsageError('review-payout needs approve or reject after the payout id');
      return {
        role: 'ops_admin',
        method: 'POST',
        path: `/v1/payouts/${argument(1, 'payout id')}/review`,
        body: { decision, ...(values.note !== undefined ? { note: values.note } : {}) },
      };
    }
    case 'move-home':
      if (!values.to) throw new UsageError('move-home needs --to <region>');
      return {
        role: 'ops_admin',
        method: 'POST',
        path: `/v1/merchants/${argument(1, 'merchant id')}/home_region_moves`,
        body: values.force ? { region: values.to, force: true } : { region: values.to },
        note: 'The move runs as a Standard workflow (execution_name above): new money movements of the merchant are refused until it ends. Runbook docs/runbooks.md, "Region loss".',
      };
    default:
      throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  }
};

const roleOf = (fallback: OperatorRole): OperatorRole => {
  if (values.role === undefined) return fallback;
  if (!OPERATOR_ROLES.includes(values.role as OperatorRole)) throw new UsageError(`--role must be one of ${OPERATOR_ROLES.join(', ')}`);
  return values.role as OperatorRole;
};

const main = async (): Promise<number> => {
  const command = positionals[0];
  if (command === undefined || command === 'help') {
    console.log(usage);
    return command === undefined ? 2 : 0;
  }
  const call = callFor(command);
  const role = roleOf(call.role);
  const target = values.aws ? await awsOperatorTarget(values.url, values.region) : localOperatorTarget(values['state-dir'], role);
  const response: OperatorResponse = await operatorRequest({ ...target, method: call.method, path: call.path, query: call.query, body: call.body });
  console.log(response.json === undefined ? response.text : JSON.stringify(response.json, null, 2));
  if (response.status >= 400) {
    console.error(`${call.method} ${call.path} as ${role}: HTTP ${response.status}`);
    return 1;
  }
  if (call.note) console.error(call.note);
  if (command === 'verify-audit' && response.json?.ok !== true) {
    console.error('The audit log is BROKEN: see the first broken link of each chain above.');
    return 1;
  }
  return 0;
};

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof OperatorTargetError) {
      console.error(`ops: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(2);
  });
