import fc from 'fast-check';
import {
  abaRoutingProblem,
  bicProblem,
  clabeCheckDigit,
  clabeProblem,
  ibanMod97,
  ibanProblem,
  isValidCnpj,
  isValidCpf,
  pixKeyProblem,
  pixKeyTypeOf,
} from '../../../../lambdas/domain/payouts/bank-identifiers';
import { IBAN_LENGTHS } from '../../../../lambdas/domain/payouts/countries';

/** The check digits of every identifier a payout rail takes, with published examples and mutations. */
describe('IBAN (mod 97, per-country length)', () => {
  it.each(['DE89370400440532013000', 'GB82 WEST 1234 5698 7654 32', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'BE68539007547034', 'ES9121000418450200051332', 'KW81CBKU0000000000001234560101', 'BR1800360305000010009795493C1'])(
    '%s is valid',
    (iban) => expect(ibanProblem(iban)).toBeUndefined(),
  );

  it.each([
    ['DE89370400440532013001', 'fails the IBAN checksum (mod 97): check for a typo'],
    ['DE8937040044053201300', 'an IBAN from DE has 22 characters, this one has 21'],
    ['US12345678901234567890', 'US does not issue IBANs'],
    ['1234', 'must be an IBAN: two letters, two check digits, then letters and digits'],
  ])('%s is refused: %s', (iban, problem) => expect(ibanProblem(iban)).toBe(problem));

  it('catches every substitution of a digit by a digit or a letter by a letter, and every adjacent transposition', () => {
    const valid = 'GB82WEST12345698765432';
    for (let position = 4; position < valid.length; position += 1) {
      const alphabet = /\d/.test(valid[position] as string) ? '0123456789' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
      for (const character of alphabet) {
        if (character === valid[position]) continue;
        const mutated = `${valid.slice(0, position)}${character}${valid.slice(position + 1)}`;
        expect(ibanMod97(mutated)).not.toBe(1);
      }
      if (position + 1 < valid.length && valid[position] !== valid[position + 1]) {
        const swapped = `${valid.slice(0, position)}${valid[position + 1]}${valid[position]}${valid.slice(position + 2)}`;
        expect(ibanMod97(swapped)).not.toBe(1);
      }
    }
  });

  it('knows the registered lengths', () => {
    expect([IBAN_LENGTHS.NO, IBAN_LENGTHS.DE, IBAN_LENGTHS.FR, IBAN_LENGTHS.MT, IBAN_LENGTHS.RU]).toEqual([15, 22, 27, 31, 33]);
  });
});

describe('ABA routing number (3-7-1)', () => {
  it.each(['021000021', '011000015', '026009593', '121000358'])('%s is valid', (routing) => expect(abaRoutingProblem(routing)).toBeUndefined());
  it.each([
    ['021000022', 'fails the ABA routing number checksum (3-7-1): check for a typo'],
    ['02100002', 'must be 9 digits'],
    ['991000021', 'does not start with a valid Federal Reserve routing symbol (00-12, 21-32, 61-72, 80)'],
  ])('%s is refused', (routing, problem) => expect(abaRoutingProblem(routing)).toBe(problem));

  it('catches every single-digit error', () => {
    const valid = '021000021';
    for (let position = 0; position < 9; position += 1) {
      for (let digit = 0; digit <= 9; digit += 1) {
        if (String(digit) === valid[position]) continue;
        const mutated = `${valid.slice(0, position)}${digit}${valid.slice(position + 1)}`;
        expect(abaRoutingProblem(mutated)).toBeDefined();
      }
    }
  });
});

describe('CLABE (3-7-1 mod 10)', () => {
  it.each(['032180000118359719', '002010077777777771'])('%s is valid', (clabe) => expect(clabeProblem(clabe)).toBeUndefined());
  it('refuses a wrong check digit and a wrong length', () => {
    expect(clabeProblem('012180001234567891')).toBe('fails the CLABE check digit (weights 3-7-1 mod 10): check for a typo');
    expect(clabeProblem('03218000011835971')).toBe('must be 18 digits');
  });
  it('accepts exactly one check digit for any 17 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), (first17) => {
        const valid = Array.from({ length: 10 }, (_, digit) => `${first17}${digit}`).filter((clabe) => clabeProblem(clabe) === undefined);
        expect(valid).toEqual([`${first17}${clabeCheckDigit(first17)}`]);
      }),
    );
  });
});

describe('PIX keys', () => {
  it('recognises each key type', () => {
    expect(pixKeyTypeOf('52998224725')).toBe('cpf');
    expect(pixKeyTypeOf('11222333000181')).toBe('cnpj');
    expect(pixKeyTypeOf('fornecedor@exemplo.com.br')).toBe('email');
    expect(pixKeyTypeOf('+5511987654321')).toBe('phone');
    expect(pixKeyTypeOf('+551133334444')).toBe('phone');
    expect(pixKeyTypeOf('123e4567-e89b-42d3-a456-426614174000')).toBe('evp');
  });

  it('checks CPF and CNPJ check digits', () => {
    expect(isValidCpf('52998224725')).toBe(true);
    expect(isValidCpf('52998224726')).toBe(false);
    expect(isValidCpf('11111111111')).toBe(false);
    expect(isValidCnpj('11222333000181')).toBe(true);
    expect(isValidCnpj('11222333000180')).toBe(false);
  });

  it('refuses what is no key, and a key of another type than declared', () => {
    expect(pixKeyProblem('52998224726')).toMatch(/^must be a PIX key/);
    expect(pixKeyProblem('+15551234567')).toMatch(/^must be a PIX key/);
    expect(pixKeyProblem('+5511987654321', 'cpf')).toBe('must be a CPF: 11 digits with valid check digits');
    expect(pixKeyProblem('52998224725', 'cpf')).toBeUndefined();
  });
});

describe('BIC', () => {
  it.each(['DEUTDEFF', 'DEUTDEFF500', 'ROYCCAT2', 'bofa us 3n'])('%s is valid', (bic) => expect(bicProblem(bic)).toBeUndefined());
  it.each(['DEUT1EFF', 'DEUTDEF', 'DEUTZZFF'])('%s is refused', (bic) => expect(bicProblem(bic)).toBeDefined());
});
