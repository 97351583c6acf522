// `npm run dev` end to end: scripts/dev.ts starts the bot and the Agents Playground, both answer,
// and SIGTERM stops both. With Chromium and playwright-core present (neither is a dependency), it
// also types "help" in the playground and waits for the welcome card.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function resolvable(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
const browserAvailable = existsSync(CHROMIUM) && resolvable('playwright-core');

let dev: ChildProcess;
let output = '';
let dataDir: string;
let botUrl: string;
let playgroundUrl: string;

function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(output);
      if (m) {
        clearInterval(timer);
        resolve(m);
      } else if (dev.exitCode !== null || dev.signalCode !== null) {
        clearInterval(timer);
        reject(new Error(`npm run dev exited (${dev.exitCode ?? dev.signalCode}):\n${output}`));
      }
    };
    const timer = setInterval(check, 100);
    setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no ${pattern} in the output after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
  });
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cosell-dev-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_LOGFILE: `${dataDir}-playground.log` };
  delete env.PORT;
  delete env.PLAYGROUND_PORT;
  // Its own process group, so that afterAll can kill the script and both of its children at once.
  dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  dev.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  dev.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const bot = await waitForOutput(/Co-sell Bot \(local mode\): (http:\/\/127\.0\.0\.1:\d+)\/api\/messages/, 60_000);
  const playground = await waitForOutput(/Agents Playground: (http:\/\/localhost:\d+)/, 60_000);
  botUrl = bot[1]!;
  playgroundUrl = playground[1]!;
}, 90_000);

afterAll(async () => {
  if (dev?.pid && !exited(dev)) {
    try {
      process.kill(-dev.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  await rm(`${dataDir}-playground.log`, { force: true });
});

describe('npm run dev', () => {
  it('serves the playground page', async () => {
    const res = await fetch(playgroundUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('runs the bot in local mode', async () => {
    const res = await fetch(`${botUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', localMode: true });
  });

  it.skipIf(!browserAvailable)('in the playground, "help" is answered with the welcome card', async () => {
    // A computed name: playwright-core is not a dependency, so the type checker must not look for it.
    const name = 'playwright-core';
    const { chromium } = (await import(name)) as { chromium: PlaywrightChromium };
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(playgroundUrl, { waitUntil: 'networkidle' });
      await page.locator('[data-lexical-editor="true"][role="textbox"]').click();
      await page.keyboard.type('help');
      await page.keyboard.press('Enter');
      await page.getByText('Create deals, answer referrals in one click').first().waitFor({ timeout: 30_000 });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('SIGTERM stops the bot and the playground', async () => {
    const gone = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    dev.kill('SIGTERM');
    expect(await gone).toBe(0);
    await expect(fetch(`${botUrl}/healthz`)).rejects.toThrow();
    await expect(fetch(playgroundUrl)).rejects.toThrow();
  }, 30_000);
});

/** The little of playwright-core's API this test uses. */
interface PlaywrightChromium {
  launch(options: { executablePath: string; args: string[] }): Promise<{
    newPage(): Promise<{
      goto(url: string, options: { waitUntil: 'networkidle' }): Promise<unknown>;
      locator(selector: string): { click(): Promise<void> };
      keyboard: { type(text: string): Promise<void>; press(key: string): Promise<void> };
      getByText(text: string): { first(): { waitFor(options: { timeout: number }): Promise<void> } };
    }>;
    close(): Promise<void>;
  }>;
}
