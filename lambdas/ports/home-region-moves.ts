import type { MoveRequester } from '../domain/ledger/home-region-move';

/** The home-region-move workflow (statemachines/home-region-move.asl.json, docs/decisions/0024). */
export interface HomeRegionMoves {
  /**
   * Start the move, named `<merchant>-epoch-<marker epoch when asked>`: a second request for the same move
   * while it runs is the same execution; a different one for that epoch is MoveAlreadyStartedError. A forced move
   * (decision 0036) is named `<merchant>-epoch-<epoch>-forced`. `requestedBy` (the operator and the request) is
   * carried in the input: a forced move's balance repair names them in its audit entry (decision 0039).
   */
  start(move: {
    readonly merchantId: string;
    readonly targetRegion: string;
    readonly epoch: number;
    readonly forced?: boolean;
    readonly requestedBy: MoveRequester;
  }): Promise<{ readonly executionArn: string; readonly name: string }>;
}

export class MoveAlreadyStartedError extends Error {
  override readonly name = 'MoveAlreadyStartedError';
}
