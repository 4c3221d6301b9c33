/** Moved to lambdas/contracts/bank-account.ts (the API contract); re-exported for the modules that import it from here. */
export * from '../../contracts/bank-account';
