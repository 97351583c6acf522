// The Partner Center client against the fake Partner Center: reads, paging, auth, faults.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartnerCenterApi, PartnerCenterError, type ReferralResult } from '../services/partner-center-api.js';
import { FAKE_PARTNER_CENTER_TOKEN, startFakePartnerCenter, type FakePartnerCenter } from './helpers/fake-partner-center.js';
import { fixture } from './helpers/fixtures.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const referral = (id: string, overrides: Record<string, unknown> = {}) => ({ ...structuredClone(fixture), id, ...overrides });

let pc: FakePartnerCenter;
let token: ReturnType<typeof vi.fn<(o?: { refresh?: boolean }) => Promise<string>>>;
let api: PartnerCenterApi;
beforeEach(async () => {
  pc = await startFakePartnerCenter();
  token = vi.fn(async () => FAKE_PARTNER_CENTER_TOKEN);
  api = new PartnerCenterApi({ baseUrl: pc.url, token });
});
afterEach(() => pc.close());

/** What a call rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<PartnerCenterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerCenterError);
  return error as PartnerCenterError;
}

async function all(since: string, client = api): Promise<ReferralResult[]> {
  const results: ReferralResult[] = [];
  for await (const r of client.referralsUpdatedSince(since)) results.push(r);
  return results;
}

describe('getReferral', () => {
  it('parses the referral with our schema and returns its ETag', async () => {
    const seeded = pc.put(referral('pc-1'));
    const { referral: got, eTag } = await api.getReferral('pc-1');
    expect(eTag).toBe(seeded.eTag);
    expect(eTag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(got).toMatchObject({ id: 'pc-1', name: 'Test Cosell Invite_20', eTag: seeded.eTag, details: { dealValue: 50000, currency: 'USD' } });
    expect(got.customerProfile.team.map((c) => c.email)).toEqual(['sue.smith@contoso.com', 'joe.hansen@contoso.com']);
  });

  it('takes the ETag from the header, else from the body', async () => {
    const seeded = pc.put(referral('pc-1'));
    pc.eTagIn = 'header';
    expect(await api.getReferral('pc-1')).toMatchObject({ eTag: seeded.eTag, referral: { eTag: seeded.eTag } });
    pc.eTagIn = 'body';
    expect((await api.getReferral('pc-1')).eTag).toBe(seeded.eTag);
  });

  it('sends the bearer token, Accept, a fresh GUID client-request-id and an MS-CorrelationId on every request', async () => {
    pc.put(referral('pc-1'));
    await api.getReferral('pc-1');
    await api.getReferral('pc-1');
    const [first, second] = pc.requests;
    for (const r of [first!, second!]) {
      expect(r).toMatchObject({ method: 'GET', path: '/v1.0/engagements/referrals/pc-1', status: 200 });
      expect(r.headers.authorization).toBe(`Bearer ${FAKE_PARTNER_CENTER_TOKEN}`);
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers['client-request-id']).toMatch(GUID);
      expect(r.headers['ms-correlationid']).toMatch(GUID);
    }
    expect(first!.headers['client-request-id']).not.toBe(second!.headers['client-request-id']);
  });

  it('puts the id in one path segment, whatever it contains', async () => {
    pc.put(referral('a/b?c d#e'));
    expect((await api.getReferral('a/b?c d#e')).referral.id).toBe('a/b?c d#e');
    expect(pc.requests[0]!.path).toBe('/v1.0/engagements/referrals/a/b?c d#e'); // decoded by the fake; 404 had it been split
  });

  it('takes Partner Center’s nulls as absent values', async () => {
    pc.put(referral('pc-1', { externalReferenceId: null, expirationDateTime: null, statusReason: null }));
    const { referral: got } = await api.getReferral('pc-1');
    expect(got.externalReferenceId).toBeUndefined();
    expect(got.expirationDateTime).toBeUndefined();
  });

  it('404 for an unknown referral is a PartnerCenterError with status 404 that names the referral', async () => {
    const e = await failure(api.getReferral('abc'));
    expect(e.status).toBe(404);
    expect(e.retryAfterSeconds).toBeUndefined();
    expect(e.message).toMatch(/^Partner Center answered 404 for referral abc/);
  });

  it('a referral that does not fit our schema is an error naming the field', async () => {
    pc.put(referral('pc-1', { customerProfile: { ...fixture.customerProfile, name: '' } }));
    const e = await failure(api.getReferral('pc-1'));
    expect(e.message).toContain('customerProfile.name');
  });
});

describe('referralsUpdatedSince', () => {
  const since = '2026-03-01T10:00:00.000Z';
  const at = (minutes: number) => new Date(Date.parse(since) + minutes * 60_000).toISOString();

  it('every referral updated at or after `since`, oldest change first, across 3 pages', async () => {
    // Seeded out of order; one just before `since`, one exactly at it.
    for (const [id, minutes] of [['r4', 30], ['old', -1], ['r1', 0], ['r5', 40], ['r3', 20], ['r2', 10], ['older', -600]] as const) {
      pc.put(referral(id, { updatedDateTime: at(minutes) }));
    }
    const results = await all(since);
    expect(results.map((r) => (r.ok ? r.referral.id : `bad:${r.id}`))).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(results.every((r) => r.ok && r.eTag === pc.get(r.referral.id!)!.eTag)).toBe(true);
    const gets = pc.requests;
    expect(gets).toHaveLength(3);
    expect(gets[0]!.query).toEqual({ $filter: `updatedDateTime ge ${since}`, $orderby: 'updatedDateTime' });
    expect(gets.slice(1).map((r) => r.query.$skiptoken)).toEqual([expect.any(String), expect.any(String)]);
    // One sync is one correlation; each request its own id.
    expect(new Set(gets.map((r) => r.headers['ms-correlationid'])).size).toBe(1);
    expect(new Set(gets.map((r) => r.headers['client-request-id'])).size).toBe(3);
  });

  it('takes `since` with an offset as the same instant', async () => {
    pc.put(referral('r1', { updatedDateTime: at(0) }));
    pc.put(referral('old', { updatedDateTime: at(-1) }));
    expect((await all('2026-03-01T12:00:00+02:00')).map((r) => r.ok && r.referral.id)).toEqual(['r1']);
    expect(pc.requests[0]!.query.$filter).toBe(`updatedDateTime ge ${since}`);
  });

  it('refuses a `since` that is no date-time, before asking Partner Center', async () => {
    await expect(all("2026-01-01 or status eq 'New'")).rejects.toThrow(TypeError);
    expect(pc.requests).toEqual([]);
  });

  it('refuses a nextLink to another origin, without calling it', async () => {
    const elsewhere = await startFakePartnerCenter();
    try {
      pc.nextLinkOrigin = new URL(elsewhere.url).origin;
      for (const id of ['r1', 'r2', 'r3']) pc.put(referral(id, { updatedDateTime: since }));
      const seen: string[] = [];
      const e = await failure(
        (async () => {
          for await (const r of api.referralsUpdatedSince(since)) seen.push(r.ok ? r.referral.id! : r.id);
        })(),
      );
      expect(e.message).toContain(new URL(elsewhere.url).origin);
      expect(seen).toEqual(['r1', 'r2']);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('yields a referral that does not fit our schema as { ok: false } and goes on', async () => {
    pc.put(referral('r1', { updatedDateTime: at(1) }));
    pc.put(referral('bad', { updatedDateTime: at(2), details: { ...fixture.details, currency: 'dollars' } }));
    pc.put(referral('r3', { updatedDateTime: at(3) }));
    pc.put(referral('r4', { updatedDateTime: at(4) }));
    const results = await all(since);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true]);
    expect(results[1]).toEqual({ ok: false, id: 'bad', problem: expect.stringContaining('details.currency') });
    expect(results.filter((r) => r.ok).map((r) => r.ok && r.referral.id)).toEqual(['r1', 'r3', 'r4']);
  });

  it('an empty result is one request and nothing yielded', async () => {
    pc.put(referral('old', { updatedDateTime: at(-5) }));
    expect(await all(since)).toEqual([]);
    expect(pc.requests).toHaveLength(1);
  });
});

describe('auth and faults', () => {
  it('after a 401 asks for a refreshed token once and succeeds with it', async () => {
    pc.put(referral('pc-1'));
    pc.tokens.clear();
    pc.tokens.add('fresh');
    token.mockImplementation(async (o) => (o?.refresh ? 'fresh' : 'stale'));
    expect((await api.getReferral('pc-1')).referral.id).toBe('pc-1');
    expect(token.mock.calls).toEqual([[], [{ refresh: true }]]);
    expect(pc.requests.map((r) => [r.status, r.headers.authorization])).toEqual([
      [401, 'Bearer stale'],
      [200, 'Bearer fresh'],
    ]);
  });

  it('a second 401 throws with status 401, after exactly one refresh', async () => {
    pc.tokens.clear();
    const e = await failure(api.getReferral('pc-1'));
    expect(e.status).toBe(401);
    expect(e.message).toMatch(/answered 401 for referral pc-1/);
    expect(token).toHaveBeenCalledTimes(2);
    expect(pc.requests).toHaveLength(2);
  });

  it('429 throws with Retry-After in seconds; the next call goes through', async () => {
    pc.put(referral('pc-1'));
    pc.throttle(1, 7);
    const e = await failure(api.getReferral('pc-1'));
    expect(e).toMatchObject({ status: 429, retryAfterSeconds: 7 });
    expect((await api.getReferral('pc-1')).referral.id).toBe('pc-1');
  });

  it('429 in the middle of a sync stops it with the throttle error', async () => {
    for (const id of ['r1', 'r2', 'r3']) pc.put(referral(id, { updatedDateTime: '2026-03-01T10:00:00Z' }));
    const seen: string[] = [];
    const listing = (async () => {
      for await (const r of api.referralsUpdatedSince('2026-03-01T00:00:00Z')) {
        seen.push(r.ok ? r.referral.id! : r.id);
        pc.throttle(1, 30); // throttles the request for the next page
      }
    })();
    expect(await failure(listing)).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    expect(seen).toEqual(['r1', 'r2']);
  });

  it('503 throws with its Retry-After; a network failure has status 0', async () => {
    pc.down(true, 120);
    expect(await failure(api.getReferral('pc-1'))).toMatchObject({ status: 503, retryAfterSeconds: 120 });
    pc.down(false);
    await pc.close();
    const e = await failure(api.getReferral('pc-1'));
    expect(e.status).toBe(0);
    expect(e.message).toMatch(/could not be reached for referral pc-1/);
    pc = await startFakePartnerCenter(); // for afterEach
  });
});

describe('the fake Partner Center’s writes (the documented contract)', () => {
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${pc.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${FAKE_PARTNER_CENTER_TOKEN}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const code = async (res: Response) => ((await res.json()) as { code: string }).code;

  it('PUT needs If-Match: 428 without, 412 when stale, 200 with a new ETag when current', async () => {
    const seeded = pc.put(referral('pc-1', { status: 'New', substatus: 'Pending' }));
    const { eTag: _e, updatedDateTime: _u, ...body } = seeded;
    const accepted = { ...body, status: 'Active', substatus: 'Accepted' };
    expect((await send('PUT', '/engagements/referrals/pc-1', accepted)).status).toBe(428);
    const stale = await send('PUT', '/engagements/referrals/pc-1', accepted, { 'If-Match': '"stale"' });
    expect([stale.status, await code(stale)]).toEqual([412, 'preconditionFailed']);
    const ok = await send('PUT', '/engagements/referrals/pc-1', accepted, { 'If-Match': seeded.eTag });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(seeded.eTag);
    expect(pc.get('pc-1')).toMatchObject({ status: 'Active', substatus: 'Accepted', eTag: ok.headers.get('etag') });
    expect(pc.requests.at(-1)!.headers['if-match']).toBe(seeded.eTag);
    // The documented transitions: an Active referral does not go back to New.
    const back = await send('PUT', '/engagements/referrals/pc-1', { ...body, status: 'New', substatus: 'Pending' }, { 'If-Match': ok.headers.get('etag')! });
    expect(back.status).toBe(400);
  });

  it('PATCH applies replace and add (If-Match optional); other operations are refused', async () => {
    const seeded = pc.put(referral('pc-1'));
    const patch = [
      { op: 'replace', path: '/details/dealValue', value: 10000 },
      { op: 'add', path: '/team/-', value: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@contoso.com', phoneNumber: '0000000001' } },
    ];
    const res = await send('PATCH', '/engagements/referrals/pc-1', patch, { Prefer: 'return=representation' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { details: { dealValue: number } }).details.dealValue).toBe(10000);
    expect(pc.get('pc-1')!.team).toHaveLength(2);
    expect((await send('PATCH', '/engagements/referrals/pc-1', [{ op: 'remove', path: '/team/0' }])).status).toBe(400);
    expect((await send('PATCH', '/engagements/referrals/pc-1', patch, { 'If-Match': seeded.eTag })).status).toBe(412);
  });

  it('POST creates an outgoing referral, Active/Accepted, with its id and ETag', async () => {
    const res = await send('POST', '/engagements/referrals', { ...fixture, status: 'New', substatus: 'Pending' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; eTag: string };
    expect(created).toMatchObject({ status: 'Active', substatus: 'Accepted', direction: 'Outgoing', eTag: res.headers.get('etag') });
    expect(created.id).toMatch(GUID);
    expect((await api.getReferral(created.id)).eTag).toBe(created.eTag);
  });
});
