import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Session, get } from './api';

/** Loads something from the API for a page: its value, or the error to show. */
export const useApi = <T>(session: Session, path: string, query?: Record<string, string | undefined>, refresh = 0) => {
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean }>({ loading: true });
  const key = JSON.stringify([path, query, refresh, session.role]);
  useEffect(() => {
    let live = true;
    // Keep what was shown while it reloads (a role switch, a refresh): a page that unmounted its rows here would
    // drop what an operator was typing in them.
    setState((previous) => ({ value: previous.value, loading: true }));
    get<T>(session, path, query)
      .then((value) => live && setState({ value, loading: false }))
      .catch((failure: unknown) => live && setState({ error: failure instanceof ApiError ? `${failure.status} ${failure.code}: ${failure.message}` : String(failure), loading: false }));
    return () => {
      live = false;
    };
  }, [key]);
  return state;
};

