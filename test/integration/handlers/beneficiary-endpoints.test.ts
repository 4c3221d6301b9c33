import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { treasuryContracts } from '../../../lambdas/contracts/treasury';
import { bankAccountFingerprintView } from '../../../lambdas/contracts/bank-account';
import { merchantCommandEndpoint } from '../../../lambdas/shared/http/merchant-command-endpoint';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';

/**
 * POST /v1/beneficiaries, GET /v1/beneficiaries/{id}, GET /v1/beneficiaries against DynamoDB Local and
 * the local KMS: bank details validated per rail (check digits), encrypted in the vault, masked everywhere.
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

let db: IsolatedDynamoDb;
let kms: TestKms;
let create: Handler;
let get: Handler;
let list: Handler;
let keys = 0;

const post = (merchantId: string, body: unknown, key = `ben-${++keys}`) =>
  create(apiGatewayEvent({ method: 'POST', resource: '/v1/beneficiaries', merchantId, headers: { 'Idempotency-Key': key }, body }), lambdaContext('xborder-create-beneficiary'));
const json = (response: APIGatewayProxyResult) => JSON.parse(response.body);

const canadian = {
  name: 'Maple Leaf Supplies Inc.',
  entity_type: 'company',
  country: 'CA',
  currency: 'CAD',
  bank_account: { rail: 'eft_ca', institution_number: '004', transit_number: '12345', account_number: '9876543210' },
};

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  ({ handler: create } = (await import('../../../lambdas/handlers/api/create-beneficiary')) as { handler: Handler });
  ({ handler: get } = (await import('../../../lambdas/handlers/api/get-beneficiary')) as { handler: Handler });
  ({ handler: list } = (await import('../../../lambdas/handlers/api/list-beneficiaries')) as { handler: Handler });
});

afterAll(() => kms.stop());

describe('POST /v1/beneficiaries', () => {
  it('creates a Canadian EFT beneficiary, masked, with the account only in the vault as ciphertext', async () => {
    const response = await post('mer_ben_a', canadian, 'maple');
    expect(response.statusCode).toBe(201);
    const body = json(response);
    expect(body).toEqual({
      id: expect.stringMatching(/^ben_[a-z2-7]{26}$/),
      object: 'beneficiary',
      name: 'Maple Leaf Supplies Inc.',
      entity_type: 'company',
      country: 'CA',
      currency: 'CAD',
      bank_account: { rail: 'eft_ca', bank_country: 'CA', last4: '3210', institution_number: '004', transit_number: '12345' },
      metadata: {},
      created_at: expect.any(String),
      livemode: false,
    });
    expect(response.body).not.toContain('9876543210');
    expect(json(await get(apiGatewayEvent({ method: 'GET', resource: '/v1/beneficiaries/{id}', pathParameters: { id: body.id }, merchantId: 'mer_ben_a' }), lambdaContext('x')))).toEqual(body);
    const foreign = await get(apiGatewayEvent({ method: 'GET', resource: '/v1/beneficiaries/{id}', pathParameters: { id: body.id }, merchantId: 'mer_ben_b' }), lambdaContext('x'));
    expect(foreign.statusCode).toBe(404);

    const items = async (table: 'payouts' | 'vault' | 'idempotency') => JSON.stringify((await db.documentClient.send(new ScanCommand({ TableName: tableName(table) }))).Items);
    for (const table of ['payouts', 'vault', 'idempotency'] as const) expect(await items(table)).not.toContain('9876543210');
    expect(await items('vault')).toContain('"sk":"bank-account"');
  });

  it.each([
    ['SEPA', { name: 'Jana Nováková', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' } }, { rail: 'sepa', bank_country: 'DE', last4: '3000', bic: 'COBADEFFXXX' }],
    ['ACH', { name: 'Lakeside Lumber LLC', entity_type: 'company', country: 'US', currency: 'USD', bank_account: { rail: 'ach', routing_number: '021000021', account_number: '000123456789' } }, { rail: 'ach', bank_country: 'US', last4: '6789', routing_number: '021000021', account_type: 'checking' }],
    ['SPEI', { name: 'Talleres Norte SA de CV', entity_type: 'company', country: 'MX', currency: 'MXN', bank_account: { rail: 'spei', clabe: '032180000118359719' } }, { rail: 'spei', bank_country: 'MX', last4: '9719', bank_code: '032' }],
    ['PIX (CPF)', { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '52998224725' } }, { rail: 'pix', bank_country: 'BR', last4: '4725', pix_key_type: 'cpf' }],
    ['PIX (phone)', { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '+5511987654321', pix_key_type: 'phone' } }, { rail: 'pix', bank_country: 'BR', last4: '4321', pix_key_type: 'phone' }],
    ['SWIFT to Canada (account number)', { ...canadian, currency: 'USD', bank_account: { rail: 'swift', bic: 'ROYCCAT2', account_number: '1234567890' } }, { rail: 'swift', bank_country: 'CA', last4: '7890', bic: 'ROYCCAT2' }],
    ['SWIFT to Kuwait (IBAN)', { name: 'Gulf Components Co', entity_type: 'company', country: 'KW', currency: 'KWD', bank_account: { rail: 'swift', bic: 'CBKUKWKW', iban: 'KW81CBKU0000000000001234560101' } }, { rail: 'swift', bank_country: 'KW', last4: '0101', bic: 'CBKUKWKW' }],
  ])('accepts %s and shows only masked details', async (_rail, request, bankAccount) => {
    const response = await post('mer_ben_a', request);
    expect(response.statusCode).toBe(201);
    expect(json(response).bank_account).toEqual(bankAccount);
  });

  it.each([
    ['an IBAN with a wrong check digit', { rail: 'sepa', iban: 'DE89370400440532013001' }, 'EUR', 'bank_account.iban', 'fails the IBAN checksum (mod 97): check for a typo'],
    ['an IBAN of the wrong length', { rail: 'sepa', iban: 'DE8937040044053201300' }, 'EUR', 'bank_account.iban', 'an IBAN from DE has 22 characters, this one has 21'],
    ['an IBAN SEPA does not reach', { rail: 'sepa', iban: 'KW81CBKU0000000000001234560101' }, 'EUR', 'bank_account.iban', 'KW is not reached by SEPA: use the swift rail'],
    ['a BIC of another country than the IBAN', { rail: 'sepa', iban: 'DE89370400440532013000', bic: 'BNPAFRPP' }, 'EUR', 'bank_account.bic', 'is a bank in FR, the IBAN is from DE'],
    ['a routing number with a wrong check digit', { rail: 'ach', routing_number: '021000022', account_number: '123456789' }, 'USD', 'bank_account.routing_number', 'fails the ABA routing number checksum (3-7-1): check for a typo'],
    ['a CLABE with a wrong check digit', { rail: 'spei', clabe: '032180000118359718' }, 'MXN', 'bank_account.clabe', 'fails the CLABE check digit (weights 3-7-1 mod 10): check for a typo'],
    ['a CPF with wrong check digits', { rail: 'pix', pix_key: '52998224726' }, 'BRL', 'bank_account.pix_key', expect.stringMatching(/^must be a PIX key/)],
    ['a transit number of 4 digits', { rail: 'eft_ca', institution_number: '004', transit_number: '1234', account_number: '1234567' }, 'CAD', 'bank_account.transit_number', 'must be 5 digits'],
    ['an account number where the bank takes IBANs', { rail: 'swift', bic: 'BARCGB22', account_number: '12345678' }, 'GBP', 'bank_account.iban', 'banks in GB take IBANs: give iban instead of account_number'],
    ['a currency the rail does not pay', { rail: 'ach', routing_number: '021000021', account_number: '123456789' }, 'EUR', 'currency', 'must be USD: the ach rail pays USD only'],
    ['an unknown rail', { rail: 'bacs', account_number: '123' }, 'GBP', 'bank_account.rail', 'must be an object whose rail is one of ach, sepa, spei, pix, eft_ca, swift'],
  ])('refuses %s (422 validation_error naming the field)', async (_case, bankAccount, currency, field, message) => {
    const response = await post('mer_ben_a', { name: 'Someone Valid', entity_type: 'individual', country: 'US', currency, bank_account: bankAccount });
    expect(response.statusCode).toBe(422);
    expect(json(response)).toMatchObject({ code: 'validation_error' });
    expect(json(response).errors).toEqual(expect.arrayContaining([{ field, message }]));
  });

  it('replays the same request under the same key, and refuses another account under it', async () => {
    const first = await post('mer_ben_c', canadian, 'same-key');
    const replay = await post('mer_ben_c', canadian, 'same-key');
    expect(replay.body).toBe(first.body);
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true');
    const other = await post('mer_ben_c', { ...canadian, bank_account: { ...canadian.bank_account, account_number: '1111111111' } }, 'same-key');
    expect(other.statusCode).toBe(422);
    expect(json(other).code).toBe('idempotency_key_reused');
  });

  // Review of 0044 (fingerprints). Interleaving: the merchant sends a beneficiary with a typo in the account
  // number's middle digits, then the corrected account under the same key (same name, bank, transit, last4)
  // while the key's record is live (24 h). The request fingerprint hashed bankAccountFingerprintView (public
  // identifiers and last4, never the number), so Powertools replayed the first beneficiary while the vault held
  // the mistyped account. Now the record validates the account's keyed fingerprint too (0044, amended).
  it('refuses the corrected account under the same key within the window when only middle digits differ (422, not the first account\'s replay)', async () => {
    const first = await post('mer_ben_c', canadian, 'typo-key');
    expect(first.statusCode).toBe(201);
    const corrected = { ...canadian, bank_account: { ...canadian.bank_account, account_number: '9870003210' } };
    expect(corrected.bank_account.account_number.slice(-4)).toBe(canadian.bank_account.account_number.slice(-4));
    const second = await post('mer_ben_c', corrected, 'typo-key');
    expect(second.headers?.['Idempotent-Replayed']).toBeUndefined();
    expect(second.statusCode).toBe(422);
    expect(json(second).code).toBe('idempotency_key_reused');
    // The mistyped request itself is still the same request: replayed byte for byte.
    const again = await post('mer_ben_c', canadian, 'typo-key');
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    // Neither account, nor the vault's keyed fingerprint of either, is in the key's record.
    const records = JSON.stringify((await db.documentClient.send(new ScanCommand({ TableName: tableName('idempotency') }))).Items);
    const vaulted = (await db.documentClient.send(new ScanCommand({ TableName: tableName('vault') }))).Items ?? [];
    const fingerprints = vaulted.map((item) => String(item.fingerprint)).filter((value) => value.startsWith('v1.'));
    expect(fingerprints.length).toBeGreaterThan(0);
    for (const secret of [canadian.bank_account.account_number, corrected.bank_account.account_number, ...fingerprints.map((value) => value.slice(3))]) expect(records).not.toContain(secret);
  });
});

describe('POST /v1/beneficiaries across the deploy that added the keyed fingerprint (0044, amended)', () => {
  it('replays a record written before it byte for byte, and still refuses another request under its key', async () => {
    // Prepare: the create as deployed before (Powertools' own two-write layer; the view alone validated).
    const before = merchantCommandEndpoint({
      operation: 'createBeneficiary',
      body: treasuryContracts.createBeneficiary.body,
      fingerprintView: (request) => ({ ...request, bank_account: bankAccountFingerprintView(request.bank_account) }),
      handle: async () => ({ status: 201, body: { id: 'ben_answered_before_the_deploy', object: 'beneficiary' } }),
    }) as unknown as Handler;
    const event = apiGatewayEvent({ method: 'POST', resource: '/v1/beneficiaries', merchantId: 'mer_ben_d', headers: { 'Idempotency-Key': 'legacy-ben' }, body: canadian });
    const first = await before(event, lambdaContext('xborder-create-beneficiary'));
    expect(first.statusCode).toBe(201);
    // Act / Assess
    const retried = await post('mer_ben_d', canadian, 'legacy-ben');
    expect(retried.headers?.['Idempotent-Replayed']).toBe('true');
    expect(retried.body).toBe(first.body);
    const renamed = await post('mer_ben_d', { ...canadian, name: 'Another Name Ltd' }, 'legacy-ben');
    expect(renamed.statusCode).toBe(422);
    expect(json(renamed).code).toBe('idempotency_key_reused');
  });
});

describe('GET /v1/beneficiaries', () => {
  it('lists the merchant\'s beneficiaries newest first, paginated', async () => {
    for (const n of [1, 2, 3]) await post('mer_ben_list', { ...canadian, name: `Supplier ${n}` });
    const page = json(await list(apiGatewayEvent({ method: 'GET', resource: '/v1/beneficiaries', merchantId: 'mer_ben_list', query: { limit: '2' } }), lambdaContext('x')));
    expect(page).toMatchObject({ object: 'list', url: '/v1/beneficiaries', has_more: true });
    expect(page.data.map((item: { name: string }) => item.name)).toEqual(['Supplier 3', 'Supplier 2']);
    const rest = json(await list(apiGatewayEvent({ method: 'GET', resource: '/v1/beneficiaries', merchantId: 'mer_ben_list', query: { starting_after: page.data[1].id } }), lambdaContext('x')));
    expect(rest.data.map((item: { name: string }) => item.name)).toEqual(['Supplier 1']);
  });
});
