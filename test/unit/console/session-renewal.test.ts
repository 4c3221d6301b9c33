import { type Clock, type Lease, MIN_INTERVAL_MS, Renewing, renewalTime, sendWithFreshCredentials } from '../../../console/src/renewal';
import { SignInError, keepIdToken } from '../../../console/src/sign-in';
import { testConsoleConfig } from '../../support/console-config';

/**
 * The console's session outliving its tokens (decision 0051): when the ID token and the role's credentials are
 * renewed, what a refused refresh does, the one retry of a request refused for expired credentials, and that none
 * of it can loop. A fake clock drives the timers; the token endpoint and the operator API are small fakes that
 * check what a real one would (the refresh token presented, the credentials' expiry).
 */
const config = testConsoleConfig;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Lets the promise chains a timer or a call started run to their end (fetch answers, JSON bodies). */
const settle = async () => {
  for (let round = 0; round < 5; round += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** A clock whose time moves only when the test says, firing the timers that fall due in order. */
const fakeClock = () => {
  let now = 1_800_000_000_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; run: () => void }>();
  const clock: Clock & { advance(ms: number): Promise<void>; timers(): number } = {
    now: () => now,
    setTimeout: (run, delayMs) => {
      timers.set(nextId, { at: now + delayMs, run });
      return nextId++;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    async advance(ms) {
      const end = now + ms;
      // A schedule that keeps firing at one instant is a loop: fail rather than spin.
      for (let fired = 0; ; fired += 1) {
        if (fired > 1_000) throw new Error('More than 1,000 timers fired in one advance: the renewals loop');
        const [id, due] = [...timers].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0] ?? [];
        if (id === undefined || !due) break;
        timers.delete(id);
        now = due.at;
        due.run();
        await settle();
      }
      now = end;
      await settle();
    },
    timers: () => timers.size,
  };
  return clock;
};

const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Cognito's token endpoint for the refresh_token grant: ID tokens of `lifetimeSeconds`, refused once the refresh token is revoked. */
const tokenEndpoint = (clock: Clock, lifetimeSeconds = 3600) => {
  let issued = 0;
  const endpoint = {
    grants: [] as { refreshToken: string | null; at: number }[],
    revoked: new Set<string>(),
    /** Answer a new refresh token with each refresh (a client with rotation on). */
    rotate: false,
    idToken: () => {
      issued += 1;
      const iat = Math.floor(clock.now() / 1000);
      return `${base64urlJson({ alg: 'RS256' })}.${base64urlJson({ sub: 'u-1', n: issued, iat, exp: iat + lifetimeSeconds })}.c2ln`;
    },
    fetcher: (async (url: string, init: RequestInit) => {
      expect(url).toBe(`${config.loginUrl}/oauth2/token`);
      const form = new URLSearchParams(String(init.body));
      expect(form.get('grant_type')).toBe('refresh_token');
      expect(form.get('client_id')).toBe(config.clientId);
      const refreshToken = form.get('refresh_token');
      endpoint.grants.push({ refreshToken, at: clock.now() });
      if (!refreshToken || endpoint.revoked.has(refreshToken)) return new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 400 });
      return new Response(JSON.stringify({ id_token: endpoint.idToken(), access_token: 'a', expires_in: lifetimeSeconds, ...(endpoint.rotate ? { refresh_token: `${refreshToken}+` } : {}) }), { status: 200 });
    }) as unknown as typeof fetch,
  };
  return endpoint;
};

const numberOf = (idToken: string) => (JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString()) as { n: number }).n;

describe('when a value is renewed', () => {
  it('a quarter of its life before it expires, at most five minutes before, never sooner than five seconds after it came', () => {
    expect(renewalTime({ obtainedAt: 0, expiresAt: HOUR })).toBe(55 * MINUTE);
    expect(renewalTime({ obtainedAt: 0, expiresAt: 12 * MINUTE })).toBe(9 * MINUTE);
    expect(renewalTime({ obtainedAt: 0, expiresAt: 20_000 })).toBe(15_000);
    // Already due when it came (a skewed clock) or too short to renew ahead: not before five seconds.
    expect(renewalTime({ obtainedAt: 0, expiresAt: 4_000 })).toBe(MIN_INTERVAL_MS);
    expect(renewalTime({ obtainedAt: 10_000, expiresAt: 0 })).toBe(10_000 + MIN_INTERVAL_MS);
  });
});

describe('a renewing value', () => {
  const counting = (clock: Clock, lifetimeMs: number) => {
    let obtained = 0;
    const renewing = new Renewing<number>(
      async () => {
        obtained += 1;
        return { value: obtained, obtainedAt: clock.now(), expiresAt: clock.now() + lifetimeMs };
      },
      { clock },
    );
    return { renewing, obtained: () => obtained };
  };

  it('is renewed by its timer before it expires, so a page nobody uses stays signed in; the uses in between get the value held', async () => {
    const clock = fakeClock();
    const { renewing, obtained } = counting(clock, HOUR);
    await expect(renewing.current()).resolves.toBe(1);
    await clock.advance(55 * MINUTE - 1);
    await expect(renewing.current()).resolves.toBe(1);
    expect(obtained()).toBe(1);
    await clock.advance(1);
    expect(obtained()).toBe(2);
    await expect(renewing.current()).resolves.toBe(2);
    await clock.advance(5 * HOUR);
    expect(obtained()).toBe(7); // one renewal an hour (each 55 minutes into its hour), no more
    expect(clock.timers()).toBe(1);
    renewing.stop();
    expect(clock.timers()).toBe(0);
  });

  it('is renewed by the next use when its timer did not fire (a sleeping laptop), once for all the uses waiting', async () => {
    const clock = fakeClock();
    const { renewing, obtained } = counting(clock, HOUR);
    await renewing.current();
    renewing.stop(); // no timer: as if it never fired
    await clock.advance(2 * HOUR);
    const uses = await Promise.all([renewing.current(), renewing.current(), renewing.current()]);
    expect(uses).toEqual([2, 2, 2]);
    expect(obtained()).toBe(2);
  });

  it('renews on demand only if the value is still the stale one: two requests refused together renew once', async () => {
    const clock = fakeClock();
    const { renewing, obtained } = counting(clock, HOUR);
    const stale = await renewing.current();
    const [first, second] = await Promise.all([renewing.renew(stale), renewing.renew(stale)]);
    expect([first, second]).toEqual([2, 2]);
    await expect(renewing.renew(stale)).resolves.toBe(2); // already renewed since
    expect(obtained()).toBe(2);
  });

  it('does not loop on a value that comes already expired: at most one renewal per five seconds, however often it is used', async () => {
    const clock = fakeClock();
    const { renewing, obtained } = counting(clock, -MINUTE);
    for (let use = 0; use < 20; use += 1) {
      await renewing.current();
      await clock.advance(1_000);
    }
    expect(obtained()).toBeLessThanOrEqual(5); // 20 s of use
  });

  it('fails a use whose renewal fails, and lets the next use try again (a network error is not final)', async () => {
    const clock = fakeClock();
    let fail = true;
    const renewing = new Renewing<string>(
      async () => {
        if (fail) throw new TypeError('Failed to fetch');
        return { value: 'fresh', obtainedAt: clock.now(), expiresAt: clock.now() + HOUR };
      },
      { clock, initial: { value: 'old', obtainedAt: clock.now(), expiresAt: clock.now() + 10 * MINUTE } },
    );
    await clock.advance(8 * MINUTE); // the timer fires at 7:30 and fails quietly
    await expect(renewing.current()).rejects.toThrow('Failed to fetch');
    fail = false;
    await expect(renewing.current()).resolves.toBe('fresh');
  });
});

describe("the ID token, renewed with the refresh token", () => {
  it('asks the token endpoint with the refresh token five minutes before each hour runs out, and hands out the new token', async () => {
    const clock = fakeClock();
    const endpoint = tokenEndpoint(clock);
    const refused: SignInError[] = [];
    const start = clock.now();
    const kept = keepIdToken(config, { idToken: endpoint.idToken(), refreshToken: 'r3fresh' }, { fetcher: endpoint.fetcher, clock, onRefused: (refusal) => refused.push(refusal) });
    expect(numberOf(await kept.idToken.current())).toBe(1);

    await clock.advance(3 * HOUR);
    expect(endpoint.grants.map((grant) => [grant.refreshToken, (grant.at - start) / MINUTE])).toEqual([
      ['r3fresh', 55],
      ['r3fresh', 110],
      ['r3fresh', 165],
    ]);
    expect(numberOf(await kept.idToken.current())).toBe(4);
    expect(refused).toEqual([]);
  });

  it('uses the refresh token the endpoint rotated in, once it answers one', async () => {
    const clock = fakeClock();
    const endpoint = tokenEndpoint(clock);
    endpoint.rotate = true;
    const kept = keepIdToken(config, { idToken: endpoint.idToken(), refreshToken: 'r3fresh' }, { fetcher: endpoint.fetcher, clock, onRefused: () => undefined });
    await clock.advance(2 * HOUR);
    expect(endpoint.grants.map((grant) => grant.refreshToken)).toEqual(['r3fresh', 'r3fresh+']);
    expect(kept.tokens().refreshToken).toBe('r3fresh++');
  });

  it('falls back once on a refused refresh (a revoked or expired refresh token): no second grant, however often the page asks', async () => {
    const clock = fakeClock();
    const endpoint = tokenEndpoint(clock);
    const refused: SignInError[] = [];
    const kept = keepIdToken(config, { idToken: endpoint.idToken(), refreshToken: 'r3fresh' }, { fetcher: endpoint.fetcher, clock, onRefused: (refusal) => refused.push(refusal) });
    endpoint.revoked.add('r3fresh');

    await clock.advance(55 * MINUTE);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ name: 'SignInError', code: 'refresh_refused', message: expect.stringContaining('invalid_grant') });
    for (let use = 0; use < 5; use += 1) await expect(kept.idToken.current()).rejects.toMatchObject({ code: 'refresh_refused' });
    await clock.advance(5 * HOUR);
    expect(endpoint.grants).toHaveLength(1);
    expect(refused).toHaveLength(1);
  });

  it('without a refresh token, falls back at the first renewal without asking the endpoint', async () => {
    const clock = fakeClock();
    const endpoint = tokenEndpoint(clock);
    const refused: SignInError[] = [];
    keepIdToken(config, { idToken: endpoint.idToken() }, { fetcher: endpoint.fetcher, clock, onRefused: (refusal) => refused.push(refusal) });
    await clock.advance(HOUR);
    expect(refused.map((refusal) => refusal.code)).toEqual(['refresh_refused']);
    expect(endpoint.grants).toHaveLength(0);
  });
});

describe('the role credentials, renewed with the current ID token, and a request refused for expired credentials', () => {
  /** The operator API as API Gateway answers: 403 EXPIRED_TOKEN for credentials past their expiry (or revoked early). */
  const operatorApi = (clock: Clock) => {
    const api = {
      calls: [] as { credentials: string; status: number }[],
      expiredEarly: new Set<string>(),
      send: async (credentials: Lease<string>['value'], expiresAt: number) => {
        if (api.calls.length >= 100) throw new Error('100 requests: the retries loop');
        const expired = clock.now() >= expiresAt || api.expiredEarly.has(credentials);
        api.calls.push({ credentials, status: expired ? 403 : 200 });
        return expired
          ? new Response(JSON.stringify({ status: 403, code: 'expired_credentials', title: 'Forbidden' }), { status: 403, headers: { 'content-type': 'application/problem+json' } })
          : new Response('{"data":[]}', { status: 200 });
      },
    };
    return api;
  };

  const signedIn = (clock: ReturnType<typeof fakeClock>) => {
    const endpoint = tokenEndpoint(clock);
    const kept = keepIdToken(config, { idToken: endpoint.idToken(), refreshToken: 'r3fresh' }, { fetcher: endpoint.fetcher, clock, onRefused: () => undefined });
    const expiries = new Map<string, number>();
    const logins: number[] = [];
    // The identity pool: credentials for an unexpired ID token, valid an hour.
    const credentials = new Renewing<string>(
      async () => {
        const idToken = await kept.idToken.current();
        const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString()) as { exp: number; n: number };
        if (claims.exp * 1000 <= clock.now()) throw new Error('NotAuthorizedException: Token expired');
        logins.push(claims.n);
        const value = `ASIA${logins.length}`;
        expiries.set(value, clock.now() + HOUR);
        return { value, obtainedAt: clock.now(), expiresAt: clock.now() + HOUR };
      },
      { clock },
    );
    return { endpoint, credentials, expiries, logins };
  };

  it('keeps a page working for hours: every request signed with unexpired credentials, got with an unexpired ID token', async () => {
    const clock = fakeClock();
    const api = operatorApi(clock);
    const { credentials, expiries, logins, endpoint } = signedIn(clock);
    for (let minute = 0; minute < 4 * 60; minute += 10) {
      const response = await sendWithFreshCredentials(credentials, (current) => api.send(current, expiries.get(current) ?? 0));
      expect(response.status).toBe(200);
      await clock.advance(10 * MINUTE);
    }
    expect(api.calls.every((call) => call.status === 200)).toBe(true);
    expect(new Set(api.calls.map((call) => call.credentials)).size).toBeGreaterThanOrEqual(4);
    expect(endpoint.grants.length).toBeGreaterThanOrEqual(4);
    // Each set of credentials after the first was got with a renewed ID token.
    expect(logins.slice(1).every((n, index) => n >= (logins[index] ?? 0))).toBe(true);
  });

  it('sends a request refused for expired credentials once more, with renewed ones', async () => {
    const clock = fakeClock();
    const api = operatorApi(clock);
    const { credentials, expiries } = signedIn(clock);
    const first = await credentials.current();
    api.expiredEarly.add(first); // expired at the API before the page thought (a skewed clock)
    const response = await sendWithFreshCredentials(credentials, (current) => api.send(current, expiries.get(current) ?? 0));
    expect(response.status).toBe(200);
    expect(api.calls).toEqual([
      { credentials: first, status: 403 },
      { credentials: 'ASIA2', status: 200 },
    ]);
  });

  it('retries once only: a second refusal is the answer, and a refusal of another kind is not retried', async () => {
    const clock = fakeClock();
    const api = operatorApi(clock);
    const { credentials } = signedIn(clock);
    const refusedAlways = await sendWithFreshCredentials(credentials, (current) => {
      if (api.calls.length >= 3) throw new Error('Sent a third time: the retries loop');
      return api.send(current, 0);
    });
    expect(refusedAlways.status).toBe(403);
    expect(await refusedAlways.json()).toMatchObject({ code: 'expired_credentials' });
    expect(api.calls).toHaveLength(2);

    let sent = 0;
    const forbidden = await sendWithFreshCredentials(credentials, async () => {
      sent += 1;
      return new Response(JSON.stringify({ code: 'forbidden' }), { status: 403 });
    });
    expect(forbidden.status).toBe(403);
    expect(sent).toBe(1);
  });

  it('renews once for several requests refused together', async () => {
    const clock = fakeClock();
    const api = operatorApi(clock);
    const { credentials, expiries, logins } = signedIn(clock);
    api.expiredEarly.add(await credentials.current());
    const answers = await Promise.all([1, 2, 3].map(() => sendWithFreshCredentials(credentials, (current) => api.send(current, expiries.get(current) ?? 0))));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(logins).toHaveLength(2);
    expect(api.calls).toHaveLength(6);
  });
});

describe('SignInError', () => {
  it('names the refused refresh', () => {
    expect(new SignInError('refresh_refused', 'x')).toMatchObject({ name: 'SignInError', code: 'refresh_refused' });
  });
});
