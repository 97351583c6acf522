// Kills a writing process at random moments and checks that every acknowledged write survived.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openLowdbStore } from '../services/lowdb-store.js';
import { isTerminal } from '../services/model.js';
import { StoreLockedError } from '../services/store.js';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'store-durability-'));
});

afterEach(async () => {
  child?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Starts the writer; resolves once its store is open, with the ack lines it prints from then on. */
async function startWriter(): Promise<{ acks: string[]; exited: Promise<void> }> {
  const writer = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/store-writer.ts', dir], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
  child = writer;
  let stderr = '';
  writer.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => writer.on('exit', () => resolve()));
  const acks: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: writer.stdout }).on('line', (line) => {
      if (line === 'ready') resolve();
      else acks.push(line);
    });
    void exited.then(() => reject(new Error(`The writer exited before it was ready: ${stderr}`)));
  });
  return { acks, exited };
}

it('keeps every acknowledged write when the writer is killed mid-flight', async () => {
  const acked = new Map<string, number>(); // referral id -> highest acknowledged version
  for (let round = 0; round < 5; round++) {
    const { acks, exited } = await startWriter();
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
    child!.kill('SIGKILL');
    await exited; // the next writer takes over the dead writer's LOCK
    for (const line of acks) {
      const [, id = '', version] = line.split(' ');
      acked.set(id, Math.max(acked.get(id) ?? 0, Number(version)));
    }
  }
  expect(acked.size).toBeGreaterThan(10);

  const store = await openLowdbStore(dir);
  try {
    for (const [id, version] of acked) {
      const referral = await store.get('referral', id);
      expect(referral, `acknowledged referral ${id}`).toBeDefined();
      expect(referral!.version).toBeGreaterThanOrEqual(version);
    }
    // Multi-file commits are all or none: every referral came with its engagement.
    const referrals = await store.list('referral');
    for (const referral of referrals) expect(await store.get('engagement', referral.engagementId)).toBeDefined();
    expect(referrals.some((r) => isTerminal(r.substatus))).toBe(true);
  } finally {
    await store.close();
  }
}, 60_000);

it('refuses to open a directory another process is using', async () => {
  const { exited } = await startWriter();
  await expect(openLowdbStore(dir)).rejects.toThrow(StoreLockedError);
  await expect(openLowdbStore(dir)).rejects.toThrow(`is in use by another Co-sell Bot process (pid ${child!.pid}). Stop it or set DATA_DIR to another directory.`);
  child!.kill('SIGKILL');
  await exited;
  await (await openLowdbStore(dir)).close();
}, 30_000);
