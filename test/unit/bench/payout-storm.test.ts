import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPayoutAtRail, meridianArchivePayments, railReferenceOf, reservedLeft } from '../../../bench/drills/payouts';
import { writePain001 } from '../../../lambdas/adapters/rails/formats/iso20022';
import { achReferenceOf } from '../../../lambdas/adapters/rails/meridian-file-rail';
import { instantReferenceOf } from '../../../lambdas/adapters/rails/pulse-instant-rail';

/** What the payout storm counts as a payout sent twice or lost: what the rails hold for it. */
describe('a payout against what the rails hold', () => {
  const payout = (rail: string, status: string) => ({ id: 'po_123', rail, status, created_at: '2026-11-21T10:00:00.000Z' });
  const rails = (byReference: [string, number][], refused: [string, number][] = []) => ({ byReference: new Map(byReference), refusedResubmissions: new Map(refused) });

  it('finds a payout by the reference its rail knows it by', () => {
    expect(railReferenceOf(payout('ach', 'paid'))).toBe(achReferenceOf('po_123'));
    expect(railReferenceOf(payout('pix', 'paid'))).toBe(instantReferenceOf('po_123', 'pix', '2026-11-21T10:00:00.000Z'));
    expect(railReferenceOf(payout('spei', 'paid'))).toBe(instantReferenceOf('po_123', 'spei', '2026-11-21T10:00:00.000Z'));
    for (const rail of ['sepa', 'swift', 'eft_ca']) expect(railReferenceOf(payout(rail, 'paid'))).toBe('po_123');
  });

  it('accepts exactly one submission and one payment for a paid or returned payout', () => {
    for (const status of ['paid', 'returned']) {
      expect(checkPayoutAtRail(payout('swift', status), rails([['po_123', 1]]))).toEqual({ violations: [], duplicated: false, payments: 1, submissions: 1 });
    }
    expect(checkPayoutAtRail(payout('ach', 'paid'), rails([[achReferenceOf('po_123'), 1]])).violations).toEqual([]);
  });

  it('counts a second payment, or a second submission the rail refused to pay, as sent twice', () => {
    expect(checkPayoutAtRail(payout('swift', 'paid'), rails([['po_123', 2]]))).toMatchObject({ duplicated: true, payments: 2, violations: ['po_123 (swift): 2 payments at the rail (paid twice)'] });
    expect(checkPayoutAtRail(payout('sepa', 'paid'), rails([['po_123', 1]], [['po_123', 1]]))).toMatchObject({
      duplicated: true,
      payments: 1,
      submissions: 2,
      violations: ['po_123 (sepa): submitted 2 times (the rail refused to pay the copies)'],
    });
  });

  it('after a crash, takes a copy the rail refused to pay as the file channel\'s idempotency, and still a second payment as paid twice', () => {
    expect(checkPayoutAtRail(payout('sepa', 'paid'), rails([['po_123', 1]], [['po_123', 1]]), 'allowed')).toEqual({ violations: [], duplicated: false, payments: 1, submissions: 2 });
    expect(checkPayoutAtRail(payout('sepa', 'paid'), rails([['po_123', 2]]), 'allowed')).toMatchObject({ duplicated: true, violations: ['po_123 (sepa): 2 payments at the rail (paid twice)'] });
  });

  it('flags a paid payout the rail never got, and a canceled one it paid', () => {
    expect(checkPayoutAtRail(payout('pix', 'paid'), rails([])).violations).toEqual(['po_123 (pix): paid but the rail holds no payment']);
    expect(checkPayoutAtRail(payout('swift', 'canceled'), rails([['po_123', 1]])).violations).toEqual(['po_123 (swift): canceled but the rail holds a payment']);
    // Failed after acceptance: the rail may hold it (rejected) or not.
    expect(checkPayoutAtRail(payout('swift', 'failed'), rails([['po_123', 1]])).violations).toEqual([]);
    expect(checkPayoutAtRail(payout('swift', 'failed'), rails([])).violations).toEqual([]);
  });

  it("reads Meridian's archive: payments per reference in the files it paid, and those in the duplicate copies it refused", () => {
    const archive = mkdtempSync(join(tmpdir(), 'xborder-meridian-archive-'));
    try {
      const transfer = (endToEndId: string, amount: number) => ({ endToEndId, amount, currency: 'EUR', creditorName: 'Jana Novakova', creditorCountry: 'DE', creditorIban: 'DE89370400440532013000', remittance: endToEndId });
      const file = writePain001({
        messageId: 'MSG1',
        createdAt: '2026-11-21T10:00:00',
        initiatingParty: 'Xborder Payments',
        debtorName: 'Xborder Payments',
        debtorIban: 'DE89370400440532013000',
        debtorBic: 'COBADEFFXXX',
        requestedExecutionDate: '2026-11-21',
        transfers: [transfer('po_a', 1000), transfer('po_b', 2000)],
      });
      writeFileSync(join(archive, 'sepa-1.xml'), file);
      writeFileSync(join(archive, 'sepa-1.xml.duplicate-1700000000000'), file);
      mkdirSync(join(archive, 'ignored-directory-name.txt'));
      const read = meridianArchivePayments(archive);
      expect(read.byReference).toEqual(new Map([['po_a', 1], ['po_b', 1]]));
      expect(read.duplicatesByReference).toEqual(new Map([['po_a', 1], ['po_b', 1]]));
      expect({ duplicates: read.duplicates, payments: read.payments }).toEqual({ duplicates: 1, payments: 2 });
      expect(meridianArchivePayments(join(archive, 'missing')).payments).toBe(0);
    } finally {
      rmSync(archive, { recursive: true, force: true });
    }
  });

  it('finds funds still reserved once every payout ended', () => {
    expect(reservedLeft({ reserved: [{ currency: 'USD', amount: 0 }, { currency: 'CAD', amount: 0 }] })).toEqual([]);
    expect(reservedLeft({ reserved: [{ currency: 'USD', amount: 0 }, { currency: 'CAD', amount: 2043 }] })).toEqual(['reserved 2043 CAD after every payout ended']);
  });
});
