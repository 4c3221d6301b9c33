/** Moved to lambdas/contracts/fields.ts (the API contract); re-exported for the modules that import it from here. */
export * from '../../contracts/fields';
