import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Session, get } from './api';

/**
 * Loads something from the API for a page: its value, or the error to show. `loading` is true only while there is
 * nothing to show yet; a reload (a role switch, a refresh) keeps showing what was there (`refreshing`): a page that
 * unmounted its rows, or pushed them down under a "Loading…" line, would drop or move what an operator was typing
 * in them.
 */
export const useApi = <T>(session: Session, path: string, query?: Record<string, string | undefined>, refresh = 0) => {
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean; refreshing?: boolean }>({ loading: true });
  const key = JSON.stringify([path, query, refresh, session.role]);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ value: previous.value, loading: previous.value === undefined, refreshing: previous.value !== undefined }));
    get<T>(session, path, query)
      .then((value) => live && setState({ value, loading: false }))
      .catch((failure: unknown) => live && setState({ error: failure instanceof ApiError ? `${failure.status} ${failure.code}: ${failure.message}` : String(failure), loading: false }));
    return () => {
      live = false;
    };
  }, [key]);
  return state;
};
