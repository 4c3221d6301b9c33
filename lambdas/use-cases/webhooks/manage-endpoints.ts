import { ResourceNotFoundError } from '../../domain/errors';
import { deriveId } from '../../domain/ids';
import { MAX_ACTIVE_SECRETS, ROTATED_SECRET_VALIDITY_MS, type StoredWebhookSecret, type WebhookEndpoint } from '../../domain/webhooks';
import type { WebhookSecretBox } from '../../ports/webhook-delivery';
import type { WebhookEndpointRepository } from '../../ports/webhook-endpoints';
import { type Page, newestFirst, pageInMemory } from '../../domain/list-window';
import { type ListRequest, resolveListWindow } from '../list-window';

/**
 * A merchant's webhook endpoints: create, read, update, delete, rotate the signing secret. The handlers
 * have validated the URL (domain/webhooks.ts `checkWebhookUrl`) and the event selectors already.
 */
export interface EndpointDeps {
  readonly endpoints: WebhookEndpointRepository;
  readonly secrets: WebhookSecretBox;
  readonly now: () => Date;
}

export interface EndpointWithSecret {
  readonly endpoint: WebhookEndpoint;
  /** The plaintext secret, shown in this answer only; absent when this request made none. */
  readonly secret?: string;
}

/**
 * Create an endpoint (`POST /v1/webhook_endpoints`).
 * 1. Its id derives from the merchant and the command, so a retried create can only find the same endpoint.
 * 2. A new secret is made and stored as envelope ciphertext (purpose `webhook-secret`, bound to the endpoint).
 * 3. The endpoint is stored with the merchant's endpoint count (at most 16: WebhookEndpointLimitError).
 * 4. If the command's endpoint already exists (a retry after a failure that lost the answer), its secret is
 *    replaced: the first never reached the merchant, so nobody can be verifying with it.
 */
export const createWebhookEndpoint = async (
  deps: EndpointDeps,
  request: { readonly merchantId: string; readonly commandId: string; readonly url: string; readonly enabledEvents: readonly string[]; readonly description: string | null },
): Promise<EndpointWithSecret> => {
  const id = deriveId('we', request.merchantId, request.commandId);
  const now = deps.now().toISOString();
  const { secret, ciphertext } = await deps.secrets.create(request.merchantId, id, 1);
  const endpoint: WebhookEndpoint = {
    id,
    merchantId: request.merchantId,
    url: request.url,
    enabledEvents: [...new Set(request.enabledEvents)],
    description: request.description,
    status: 'enabled',
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    lastFailure: null,
    secrets: [{ version: 1, ciphertext, createdAt: now, expiresAt: null }],
    createdByCommand: request.commandId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const { created, endpoint: stored } = await deps.endpoints.insert(endpoint);
  if (created) return { endpoint, secret };
  const version = Math.max(...stored.secrets.map((entry) => entry.version), 0) + 1;
  const replacement = await deps.secrets.create(request.merchantId, id, version);
  const next: WebhookEndpoint = {
    ...stored,
    secrets: [{ version, ciphertext: replacement.ciphertext, createdAt: now, expiresAt: null }],
    updatedAt: now,
    version: stored.version + 1,
  };
  await deps.endpoints.update(next);
  return { endpoint: next, secret: replacement.secret };
};

export const getWebhookEndpoint = async (deps: Pick<EndpointDeps, 'endpoints'>, request: { readonly merchantId: string; readonly id: string }): Promise<WebhookEndpoint> => {
  const endpoint = await deps.endpoints.get(request.merchantId, request.id, { consistent: true });
  if (!endpoint) throw new ResourceNotFoundError('webhook_endpoint', request.id);
  return endpoint;
};

/**
 * One page of the merchant's endpoints, newest first (`GET /v1/webhook_endpoints`).
 * 1. Read them all (a merchant has at most 16) and sort them newest first.
 * 2. Resolve the cursor (`starting_after` or `ending_before`) to one of them (InvalidCursorError otherwise).
 * 3. Return the window's page: the list conventions of every other list, applied in memory.
 */
export const listWebhookEndpoints = async (deps: Pick<EndpointDeps, 'endpoints'>, request: ListRequest): Promise<Page<WebhookEndpoint>> => {
  const all = [...(await deps.endpoints.list(request.merchantId))].sort(newestFirst);
  const window = await resolveListWindow(request, async (id) => all.find((endpoint) => endpoint.id === id));
  return pageInMemory(all, window, (endpoint) => endpoint);
};

export interface EndpointChanges {
  readonly url?: string;
  readonly enabledEvents?: readonly string[];
  readonly description?: string | null;
  /** true disables (`disabled_by_merchant`), false enables again (and forgets its failures). */
  readonly disabled?: boolean;
}

/** Update an endpoint (`POST /v1/webhook_endpoints/{id}`): the fields given, over the version read. */
export const updateWebhookEndpoint = async (
  deps: Pick<EndpointDeps, 'endpoints' | 'now'>,
  request: { readonly merchantId: string; readonly id: string; readonly changes: EndpointChanges },
): Promise<{ before: WebhookEndpoint; after: WebhookEndpoint }> => {
  const before = await getWebhookEndpoint(deps, request);
  const { changes } = request;
  const now = deps.now().toISOString();
  let after: WebhookEndpoint = {
    ...before,
    ...(changes.url === undefined ? {} : { url: changes.url }),
    ...(changes.enabledEvents === undefined ? {} : { enabledEvents: [...new Set(changes.enabledEvents)] }),
    ...(changes.description === undefined ? {} : { description: changes.description }),
  };
  if (changes.disabled === true && before.status === 'enabled') {
    after = { ...after, status: 'disabled', disabledReason: 'disabled_by_merchant', disabledAt: now };
  }
  if (changes.disabled === false && before.status === 'disabled') {
    after = { ...after, status: 'enabled', disabledReason: null, disabledAt: null, failingSince: null };
  }
  if (JSON.stringify(after) === JSON.stringify(before)) return { before, after: before };
  after = { ...after, updatedAt: now, version: before.version + 1 };
  await deps.endpoints.update(after);
  return { before, after };
};

export const deleteWebhookEndpoint = async (deps: Pick<EndpointDeps, 'endpoints'>, request: { readonly merchantId: string; readonly id: string }): Promise<WebhookEndpoint> => {
  const endpoint = await getWebhookEndpoint(deps, request);
  if (!(await deps.endpoints.remove(request.merchantId, request.id))) throw new ResourceNotFoundError('webhook_endpoint', request.id);
  return endpoint;
};

/**
 * Rotate the signing secret (`POST /v1/webhook_endpoints/{id}/rotate_secret`): a new secret signs from now
 * on, and the one it replaces keeps signing for 24 hours (both signatures are sent), so a receiver can
 * switch without losing a message. At most three secrets sign at once; older ones are dropped.
 */
export const rotateWebhookSecret = async (deps: EndpointDeps, request: { readonly merchantId: string; readonly id: string }): Promise<EndpointWithSecret & { before: WebhookEndpoint }> => {
  const before = await getWebhookEndpoint(deps, request);
  const now = deps.now();
  const version = Math.max(...before.secrets.map((entry) => entry.version), 0) + 1;
  const { secret, ciphertext } = await deps.secrets.create(request.merchantId, request.id, version);
  const expiresAt = new Date(now.getTime() + ROTATED_SECRET_VALIDITY_MS).toISOString();
  const kept: StoredWebhookSecret[] = before.secrets
    .filter((entry) => entry.expiresAt === null || Date.parse(entry.expiresAt) > now.getTime())
    .map((entry) => (entry.expiresAt === null ? { ...entry, expiresAt } : entry))
    .sort((a, b) => b.version - a.version)
    .slice(0, MAX_ACTIVE_SECRETS - 1);
  const endpoint: WebhookEndpoint = {
    ...before,
    secrets: [{ version, ciphertext, createdAt: now.toISOString(), expiresAt: null }, ...kept],
    updatedAt: now.toISOString(),
    version: before.version + 1,
  };
  await deps.endpoints.update(endpoint);
  return { before, endpoint, secret };
};
