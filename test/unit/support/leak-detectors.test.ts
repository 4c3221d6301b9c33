import { findCardNumbers, findCvcs, findIbans, findLeaks } from '../../support/leak-detectors';

/** The leak scan's detectors: what counts as a card number, an IBAN or a CVC, and what must not. */
describe('card numbers: 13-19 digits passing Luhn', () => {
  it.each([
    ['a plain test card in JSON', '{"number":"4242424242424242"}', ['4242424242424242']],
    ['a Mastercard 2-series number', 'pan 2223003122003222 seen', ['2223003122003222']],
    ['a 15-digit Amex in groups', 'card: 3782 822463 10005.', ['378282246310005']],
    ['dashes', '4000-0000-0000-0002', ['4000000000000002']],
    ['next to a UUID', 'req 90708512-3456-1001-a1b2-c3d4e5f6a7b8 card 4000-0000-0000-0002', ['4000000000000002']],
    ['a 19-digit number', 'x 6011000000000000001 y', ['6011000000000000001']],
    ['a 13-digit Visa', '"4222222222222"', ['4222222222222']],
    ['inside a JSON string inside JSON', '{"input":"{\\"card\\":\\"5555555555554444\\"}"}', ['5555555555554444']],
    ['next to other numbers', '4242424242424242 2030 12', ['4242424242424242']],
    ['a DynamoDB number attribute', '{"N":"4000000000000069"}', ['4000000000000069']],
  ])('finds %s', (_case, text, expected) => {
    expect(findCardNumbers(text)).toEqual(expected);
  });

  it.each([
    ['a number failing Luhn', '4242424242424241'],
    ['12 digits', '424242424242'],
    ['20 digits', '42424242424242424242'],
    ['digits inside an id', 'pay_4242424242424242abc'],
    ['the digit groups a UUID starts with (a request id)', 'POST /v1/payments 201 65.6ms 90708512-3456-1001-a1b2-c3d4e5f6a7b8'],
    ['digits ending a token', 'tok4242424242424242'],
    ['digits after an underscore', 'key_4242424242424242'],
    ['a decimal fraction', '{"rate":"1.4242424242424242"}'],
    ['a decimal whole part', '4242424242424242.5'],
    ['an epoch in milliseconds', '{"at":1796551041000}'],
    ['an epoch in microseconds', 'ts=1796551041000123'],
    ['an epoch in nanoseconds', '1796551041000123456'],
    ['a zero-padded counter', '0000000000000000'],
    ['a hex hash', '"9f1c4242424242424242ab77"'],
    ['an ISO date and time', '2026-12-06 10:42:42'],
    ['a UUID', '12345678-1234-1234-1234-123456789012'],
  ])('does not report %s', (_case, text) => {
    expect(findCardNumbers(text)).toEqual([]);
  });
});

describe('IBANs: country, length and mod 97', () => {
  it.each([
    ['compact', '"iban":"DE89370400440532013000"', ['DE89370400440532013000']],
    ['printed in groups', 'IBAN DE89 3704 0044 0532 0130 00 is the account', ['DE89370400440532013000']],
    ['in lower case', 'gb29nwbk60161331926819', ['GB29NWBK60161331926819']],
    ['escaped in JSON', '{\\"iban\\":\\"FR1420041010050500013M02606\\"}', ['FR1420041010050500013M02606']],
  ])('finds one %s', (_case, text, expected) => {
    expect(findIbans(text)).toEqual(expected);
  });

  it.each([
    ['a wrong check digit', 'DE88370400440532013000'],
    ['a wrong length for the country', 'DE8937040044053201300'],
    ['a country that issues none', 'US89370400440532013000'],
    ['the middle of a longer token', 'xDE89370400440532013000'],
    ['followed by more characters', 'DE89370400440532013000A'],
    ['a masked IBAN', 'DE89 **** **** **** **30 00'],
    ['a base32 id', 'pay_de89370400440532013000'],
  ])('does not report %s', (_case, text) => {
    expect(findIbans(text)).toEqual([]);
  });
});

describe('CVCs: a security-code key holding 3 or 4 digits', () => {
  it.each([
    '{"cvc":"123"}',
    '{"cvv": 1234}',
    '{"cvv2":"999"}',
    '{"card_code":"321"}',
    '{"securityCode":"0123"}',
    '{"card-verification-value":"555"}',
    '{"payment_method_cvc":"123"}',
    '{\\"cvc\\":\\"123\\"}',
    'cvc=123&number=x',
    'CVC: 987',
    "{'cid': '1234'}",
  ])('finds %s', (text) => {
    expect(findCvcs(text)).toHaveLength(1);
  });

  it.each(['{"cvc":null}', '{"cvc":"[redacted]"}', '{"cvc_check":"pass"}', '{"cvc":"12"}', '{"cvc":"12345"}', '{"has_cvc":true}', '{"vc":"123"}', '{"city":"1234"}'])('does not report %s', (text) => {
    expect(findCvcs(text)).toEqual([]);
  });
});

it('masks what it reports, so the report repeats no leak', () => {
  const leaks = findLeaks('{"number":"4242424242424242","iban":"DE89370400440532013000","cvc":"123"}');
  expect(leaks).toEqual([
    { kind: 'card_number', found: '424242…4242' },
    { kind: 'iban', found: 'DE8937…3000' },
    { kind: 'cvc', found: 'cvc=…' },
  ]);
  expect(JSON.stringify(leaks)).not.toMatch(/4242424242424242|DE89370400440532013000|"123"/);
});
