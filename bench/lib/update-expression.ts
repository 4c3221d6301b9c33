import type { AttributeValue, Item } from './capacity-units';

/**
 * The item an UpdateExpression leaves, worked out from the item before it, for the few shapes the platform's
 * transactions use: the counting proxy (bench/lib/capacity-metering.ts) needs the after image of every
 * transactional Update, which TransactWriteItems does not return, and read each of them again from DynamoDB
 * Local (a shadow BatchGetItem: about three a payment, nearly all the ledger's `ADD #p :pending` on a balance
 * shard). What it knows how to apply:
 * - `SET <name> = :value` and `SET <name> = if_not_exists(<same name>, :value)`;
 * - `ADD <name> :number` on a number or on no attribute, integers only (added exactly, as DynamoDB does);
 * - `REMOVE <name>`;
 * where a name is a top-level attribute, plain or `#placeholder`, and a number value is an integer written as
 * DynamoDB returns it (no sign on zero, no leading zeros). Anything else (nested paths, arithmetic in SET,
 * sets, DELETE, decimals) returns undefined: the caller reads the item as before. The before image must be the
 * exact one the write saw (the meter's, under the item's lock) and the write must have succeeded.
 */
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value stored as it is given: every number in it an integer as DynamoDB writes it back. */
const storedAsGiven = (value: AttributeValue): boolean => {
  if ('N' in value) return INTEGER.test(value.N) && value.N !== '-0';
  if ('S' in value || 'B' in value || 'BOOL' in value || 'NULL' in value) return true;
  return false;
};

/** Splits on commas outside parentheses. */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
};

type Action = { readonly clause: 'SET' | 'ADD' | 'REMOVE'; readonly text: string };

/** The expression's actions by clause, or undefined for a clause this does not apply (DELETE) or an unreadable one. */
const actionsOf = (expression: string): Action[] | undefined => {
  const clauses = [...expression.matchAll(/(?<![#:\w])(SET|ADD|REMOVE|DELETE)\b/gi)];
  if (!clauses.length || expression.slice(0, clauses[0]?.index).trim()) return undefined;
  const actions: Action[] = [];
  for (const [position, match] of clauses.entries()) {
    const clause = (match[1] as string).toUpperCase();
    if (clause === 'DELETE') return undefined;
    const end = clauses[position + 1]?.index ?? expression.length;
    const body = expression.slice((match.index as number) + match[0].length, end);
    for (const text of splitTopLevel(body)) {
      if (!text) return undefined;
      actions.push({ clause: clause as Action['clause'], text });
    }
  }
  return actions;
};

export const appliedUpdate = (before: Item | undefined, request: Record<string, unknown>): Item | undefined => {
  const expression = request.UpdateExpression;
  const key = request.Key as Item | undefined;
  if (typeof expression !== 'string' || !key || !Object.values(key).every(storedAsGiven)) return undefined;
  const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (request.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  const nameOf = (operand: string): string | undefined => {
    const name = operand.startsWith('#') ? names[operand] : NAME.test(operand) ? operand : undefined;
    return name === undefined || key[name] !== undefined ? undefined : name;
  };
  const valueOf = (operand: string): AttributeValue | undefined => (operand.startsWith(':') ? values[operand] : undefined);
  const actions = actionsOf(expression);
  if (!actions) return undefined;
  const after: Record<string, AttributeValue> = { ...(before ?? {}), ...key };
  // Every action reads the item as it was before the update (DynamoDB evaluates them all on the old item).
  for (const { clause, text } of actions) {
    if (clause === 'REMOVE') {
      const name = nameOf(text);
      if (name === undefined) return undefined;
      delete after[name];
    } else if (clause === 'SET') {
      const set = /^([#\w]+)\s*=\s*(?:(:\w+)|if_not_exists\s*\(\s*([#\w]+)\s*,\s*(:\w+)\s*\))$/.exec(text);
      if (!set) return undefined;
      const name = nameOf(set[1] as string);
      if (name === undefined) return undefined;
      if (set[3] !== undefined && nameOf(set[3]) !== name) return undefined;
      const value = valueOf((set[2] ?? set[4]) as string);
      if (!value || !storedAsGiven(value)) return undefined;
      if (set[2] !== undefined || before?.[name] === undefined) after[name] = value;
      else after[name] = before[name] as AttributeValue;
    } else {
      const add = /^([#\w]+)\s+(:\w+)$/.exec(text);
      if (!add) return undefined;
      const name = nameOf(add[1] as string);
      const value = valueOf(add[2] as string);
      if (name === undefined || !value || !('N' in value) || !storedAsGiven(value)) return undefined;
      const current = before?.[name];
      if (current === undefined) after[name] = { N: value.N };
      else if ('N' in current && INTEGER.test(current.N)) after[name] = { N: (BigInt(current.N) + BigInt(value.N)).toString() };
      else return undefined;
    }
  }
  return after;
};
