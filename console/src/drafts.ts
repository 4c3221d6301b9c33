import { useState } from 'preact/hooks';
import type { KeyValueStore } from './sign-in';

/**
 * An operator's half-written note (a review decision's, a break's resolution), kept in this tab's sessionStorage as
 * it is typed and forgotten once the decision is sent (decision 0051). What it survives: the page going to the
 * managed login and back when a session can no longer be renewed (it comes back to the same route), a reload, a
 * role switch. Notes are the operator's words about a payment or payout, no card or bank data; the tab's storage
 * is gone with the tab.
 */
const PREFIX = 'xborder-console-draft:';

export const readDraft = (store: KeyValueStore, key: string): string => store.getItem(`${PREFIX}${key}`) ?? '';

export const writeDraft = (store: KeyValueStore, key: string, text: string): void => {
  if (text) store.setItem(`${PREFIX}${key}`, text);
  else store.removeItem(`${PREFIX}${key}`);
};

/** A text field's value kept as a draft under `key`: [text, set it, forget it (after it was sent)]. */
export const useDraft = (key: string, store: KeyValueStore = sessionStorage): [string, (text: string) => void, () => void] => {
  const [text, setText] = useState(() => readDraft(store, key));
  const set = (next: string) => {
    writeDraft(store, key, next);
    setText(next);
  };
  return [text, set, () => writeDraft(store, key, '')];
};
