// Bad webhook input is the sender's mistake: 5,000 signed bodies, each the sample referral with one
// part mutated (removed, emptied, blank, too long, too large, of another type), never get a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ana, OUR_TENANT, startHarness, type Harness } from './helpers/bot-harness.js';
import { fixture } from './helpers/fixtures.js';

const BODIES = 5_000;

/** A small seeded generator: the same bodies on every run, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state / 2 ** 32;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into the sample, so each part gets mutated some of the time. */
function paths(node: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(node)) return [...here, ...node.flatMap((child, i) => paths(child, [...prefix, i]))];
  if (node && typeof node === 'object') return [...here, ...Object.entries(node).flatMap(([k, child]) => paths(child, [...prefix, k]))];
  return here;
}

const replacements: Json[] = [null, '', '   ', 'x'.repeat(201), 'ñ'.repeat(5_000), 0, -1, 1e13, 1e308, 0.5, true, [], {}, [null], { a: 1 }, '2026-13-45', 'US', 'msft', '123456789'];

function mutate(base: Json, path: (string | number)[], rnd: ReturnType<typeof random>): Json {
  const copy = structuredClone(base) as Record<string | number, Json>;
  let parent: Record<string | number, Json> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (rnd.next() < 0.2 && !Array.isArray(parent)) delete parent[last];
  else parent[last] = rnd.pick(replacements);
  return copy;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.say(ana, 'help');
});
afterAll(() => h.close());

describe('referral webhook fuzz', () => {
  it('5,000 mutated signed bodies: every answer is 2xx, 400 or 409, never 5xx, and a stored referral always loads', async () => {
    const rnd = random(20261202);
    // A few ids, so valid bodies create, update and repeat referrals.
    const base = { ...fixture, details: { ...(fixture.details as object), closingDateTime: '2027-06-30T00:00:00Z' } } as Json;
    const all = paths(base);
    const counts = new Map<number, number>();
    const failures: string[] = [];
    for (let start = 0; start < BODIES; start += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const body = mutate({ ...(base as object), id: `pc-fuzz-${Math.floor(rnd.next() * 20)}` }, rnd.pick(all), rnd);
          const res = await h.postReferral(body);
          counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
          if (res.status >= 500 && failures.length < 5) failures.push(`${res.status} ${JSON.stringify(res.body)} for ${JSON.stringify(body).slice(0, 300)}`);
        }),
      );
    }
    expect(failures).toEqual([]);
    expect([...counts.keys()].every((status) => [200, 201, 400, 409].includes(status)), JSON.stringify([...counts])).toBe(true);
    // Not all refused: the mutations that keep a referral valid were stored.
    expect(counts.get(201) ?? 0).toBeGreaterThan(0);
    expect(counts.get(400) ?? 0).toBeGreaterThan(0);
    await h.restart();
    expect((await h.app.store.list('referral', OUR_TENANT)).length).toBeGreaterThan(0);
  }, 120_000);
});
