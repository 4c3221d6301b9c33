/**
 * Answer a merchant with the status its request has reached so far: after handing work to a saga, read
 * the object again (strongly consistent) with growing pauses until it leaves its in-flight status or the
 * time budget is spent, then answer whatever is there. A card payment usually finishes well inside the
 * budget; when it does not, the merchant gets `processing` and follows up with GET (or webhooks).
 */
export const DEFAULT_PROGRESS_BUDGET_MS = 2_500;

/** The budget of this function instance: `PROGRESS_BUDGET_MS` (0 answers at once), else the default. */
export const progressBudgetMs = (): number => {
  const configured = Number(process.env.PROGRESS_BUDGET_MS);
  return Number.isFinite(configured) && configured >= 0 && process.env.PROGRESS_BUDGET_MS !== '' && process.env.PROGRESS_BUDGET_MS !== undefined
    ? configured
    : DEFAULT_PROGRESS_BUDGET_MS;
};

export const awaitProgress = async <T>(
  read: () => Promise<T>,
  settled: (value: T) => boolean,
  budgetMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((wait) => setTimeout(wait, ms)),
): Promise<T> => {
  const deadline = Date.now() + budgetMs;
  let value = await read();
  let pause = 40;
  while (!settled(value) && Date.now() + pause < deadline) {
    await sleep(pause);
    value = await read();
    pause = Math.min(pause * 2, 400);
  }
  return value;
};
