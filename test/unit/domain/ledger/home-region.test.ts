import { type HomeRegionMarker, assertAcceptsMoneyMovementsHere, assertWritableHere } from '../../../../lambdas/domain/ledger/home-region';
import { toProblem } from '../../../../lambdas/shared/http/problem';

const primary = 'us-east-1';
const secondary = 'us-west-2';
const marker = (fields: Partial<HomeRegionMarker>): HomeRegionMarker => ({ merchantId: 'mer_1', region: primary, fenced: false, epoch: 1, updatedAt: '2026-12-06T00:00:00.000Z', ...fields });

describe('where a merchant may move money (decisions 0004, 0024)', () => {
  it.each([
    ['no marker, in the primary', undefined, primary, { writable: true, accepts: true }],
    ['no marker, in the secondary', undefined, secondary, { writable: false, accepts: false }],
    ['homed here', marker({ region: secondary }), secondary, { writable: true, accepts: true }],
    ['homed elsewhere', marker({ region: secondary }), primary, { writable: false, accepts: false }],
    // A move has begun: new requests are refused, postings of accepted work still run in the home (the drain).
    ['move begun, in the home', marker({ moveTo: secondary }), primary, { writable: true, accepts: false }],
    ['fenced, in the home', marker({ fenced: true, moveTo: secondary }), primary, { writable: false, accepts: false }],
    ['fenced, in the target', marker({ fenced: true, moveTo: secondary }), secondary, { writable: false, accepts: false }],
  ] as const)('%s', (_case, found, region, expected) => {
    // Act
    const writable = () => assertWritableHere('mer_1', found, region, primary);
    const accepts = () => assertAcceptsMoneyMovementsHere('mer_1', found, region, primary);
    // Assess
    if (expected.writable) expect(writable).not.toThrow();
    else expect(writable).toThrow(expect.objectContaining({ name: 'NotHomeRegionError' }));
    if (expected.accepts) expect(accepts).not.toThrow();
    else expect(accepts).toThrow(expect.objectContaining({ name: 'NotHomeRegionError' }));
  });

  it('answers 421 wrong_region naming the home, or 409 home_region_moving with Retry-After during a move', () => {
    const refusal = (found: HomeRegionMarker, region: string) => {
      try {
        assertAcceptsMoneyMovementsHere('mer_1', found, region, primary);
      } catch (error) {
        return toProblem(error);
      }
      throw new Error('not refused');
    };
    expect(refusal(marker({ region: secondary }), primary)).toMatchObject({ status: 421, code: 'wrong_region', headers: { 'Home-Region': secondary } });
    expect(refusal(marker({ moveTo: secondary }), primary)).toMatchObject({ status: 409, code: 'home_region_moving', headers: { 'Retry-After': '60', 'Home-Region': primary } });
  });
});
