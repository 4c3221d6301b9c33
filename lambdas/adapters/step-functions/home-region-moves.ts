import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type HomeRegionMoves, MoveAlreadyStartedError } from '../../ports/home-region-moves';

/** The home-region moves on Step Functions (a Standard state machine: ops watch each step in the console). */
export class StepFunctionsHomeRegionMoves implements HomeRegionMoves {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(move: Parameters<HomeRegionMoves['start']>[0]) {
    const name = `${move.merchantId}-epoch-${move.epoch}${move.forced ? '-forced' : ''}`;
    try {
      const started = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify({ merchantId: move.merchantId, targetRegion: move.targetRegion, forced: move.forced === true, requestedBy: move.requestedBy }),
        }),
      );
      return { executionArn: started.executionArn ?? '', name };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) throw new MoveAlreadyStartedError(`A move of ${move.merchantId} was already started from epoch ${move.epoch}`);
      throw error;
    }
  }
}
