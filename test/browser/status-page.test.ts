// The status page in headless Chromium (Debian's `chromium`, driven by playwright-core): a
// controller on the sandbox with the three-region example (weighted routing, so every region
// has a weight), opened at a phone and a desktop viewport. The page shows the RegionSet, its
// three regions with weight and health and the last plan, fits the phone's width, loads
// nothing but itself, renders something (a screenshot of the expected size whose pixels
// vary: no golden image), reloads itself to show a new reconcile, and shows a suspension
// reason with markup in it as inert text. Where no browser can be installed
// (test/browser/chromium.sh), the test says so and skips.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeHarness, sandboxWorld, useWeightedRouting } from '../runtime/helpers.js';

const CHROMIUM_SH = join(process.cwd(), 'test', 'browser', 'chromium.sh');
const TOKEN = 'browser-test-token-8c2f17';

/** The browser's path, installing Debian's package where it is missing; or why there is none. */
function findChromium(): { path: string } | { reason: string } {
  const found = spawnSync('bash', [CHROMIUM_SH, 'path'], { encoding: 'utf8' });
  if (found.status === 0) return { path: found.stdout.trim() };
  const install = spawnSync('bash', [CHROMIUM_SH, 'install'], { encoding: 'utf8', timeout: 600_000 });
  const again = spawnSync('bash', [CHROMIUM_SH, 'path'], { encoding: 'utf8' });
  if (again.status === 0) return { path: again.stdout.trim() };
  return { reason: `chromium could not be installed: ${install.stderr.trim() || install.error?.message || again.stderr.trim()}` };
}
const chromium = findChromium();
if ('reason' in chromium) console.warn(`SKIPPED: the status-page browser test: ${chromium.reason}`);

/** Headless, no sandbox (root in CI), and none of Chromium's own traffic: updates, sync, metrics, translate. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-pings',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication',
  // Every name resolves to nothing but loopback.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

const harness = runtimeHarness();

describe.skipIf('reason' in chromium)('the status page in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    const { chromium: launcher } = await import('playwright-core');
    browser = await launcher.launch({ executablePath: (chromium as { path: string }).path, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A page at the viewport whose every request other than the controller's is refused and recorded. */
  async function open(url: string, viewport: { width: number; height: number }): Promise<{ page: Page; foreign: string[] }> {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    const foreign: string[] = [];
    const origin = new URL(url).origin;
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(origin)) return route.continue();
      foreign.push(route.request().url());
      return route.abort();
    });
    await page.goto(url);
    return { page, foreign };
  }

  /** Size from the PNG's header; spread of the pixels' brightness, measured by the browser itself on a blank page. */
  async function screenshotFacts(png: Buffer): Promise<{ width: number; height: number; stddev: number; colours: number }> {
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const scratch = await browser.newPage();
    const measured = await scratch.evaluate(async (data) => {
      // Runs in the browser (this project compiles without the DOM types).
      const { Image, OffscreenCanvas } = globalThis as any;
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = new OffscreenCanvas(image.width, image.height);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const pixels: Uint8ClampedArray = context.getImageData(0, 0, image.width, image.height).data;
      let sum = 0;
      let squares = 0;
      const colours = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4) {
        const luma = 0.2126 * pixels[i]! + 0.7152 * pixels[i + 1]! + 0.0722 * pixels[i + 2]!;
        sum += luma;
        squares += luma * luma;
        colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
      }
      const n = pixels.length / 4;
      return { stddev: Math.sqrt(squares / n - (sum / n) ** 2), colours: colours.size };
    }, png.toString('base64'));
    await scratch.close();
    return { width, height, ...measured };
  }

  it('shows the RegionSet, three regions with weight and health and the last plan on a phone and a desktop, and reloads itself', async () => {
    useWeightedRouting(harness.repo);
    const { cloud } = sandboxWorld();
    const { runtime, url, http, json } = await harness.start(harness.config({ triggerToken: TOKEN }), { sandboxCloud: cloud });
    await runtime.controller.idle();
    const status = await json('/status');
    const firstReconcile = status.regionSets['global-api'].lastReconcileId as string;

    for (const viewport of [PHONE, DESKTOP]) {
      // No reload while the page is examined (one would destroy the page's context mid-check).
      const { page, foreign } = await open(`${url}/?refresh=3600`, viewport);
      expect(await page.locator('h2').first().innerText()).toContain('global-api');
      expect(await page.locator('.conditions').innerText()).toContain('Ready');
      const rows = page.locator('table.regions tbody tr');
      expect(await rows.count()).toBe(3);
      const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => (td as unknown as { innerText: string }).innerText.trim())));
      expect(cells.map(([region, traffic, weight]) => [region, traffic, weight])).toEqual([
        ['ap-southeast-1', 'serving', '50'],
        ['eu-west-1', 'serving', '200'],
        ['us-east-2', 'serving', '100'],
      ]);
      for (const row of cells) expect(row[3]).toMatch(/^healthy \d+s ago$/);
      expect(await page.locator('p.plan').first().innerText()).toMatch(/\d+ steps \(\d+ to create/);
      expect(await page.locator('ol.history li').first().innerText()).toMatch(/^applied /);
      // Readable on the phone: nothing wider than the screen.
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(viewport.width);

      const png = await page.screenshot({ type: 'png' });
      const facts = await screenshotFacts(png);
      console.log(`screenshot ${viewport.width}x${viewport.height}: ${png.length} bytes, brightness stddev ${facts.stddev.toFixed(1)}, ${facts.colours} colours`);
      expect([facts.width, facts.height]).toEqual([viewport.width, viewport.height]);
      // A blank or single-colour page has a spread near 0 and a handful of colours; text, badges and tables give far more.
      expect(facts.stddev).toBeGreaterThan(15);
      expect(facts.colours).toBeGreaterThan(50);
      expect(foreign).toEqual([]);
      await page.close();
    }

    // A new reconcile appears on an open page without anyone reloading it.
    const { page } = await open(`${url}/?refresh=1`, DESKTOP);
    expect(await page.locator('section.regionset').innerText()).toContain(firstReconcile);
    runtime.controller.requestReconcile('global-api', 'browser test');
    await runtime.controller.idle();
    const next = (await json('/status')).regionSets['global-api'].lastReconcileId as string;
    expect(next).not.toBe(firstReconcile);
    // The page reloads every second (?refresh=1); the deadline only bounds a broken reload.
    await page.locator('section.regionset', { hasText: next }).waitFor({ timeout: 15_000 });

    // Markup in a suspension reason stays text: no element made, no script run.
    // (No closing tag: /status shortens anything that looks like an absolute path, such as "/script>".)
    const reason = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"';
    const suspend = await http('/suspend?regionSet=global-api', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason, by: 'mallory' }) });
    expect(suspend.status).toBe(200);
    await page.locator('.notice.warn', { hasText: reason }).waitFor({ timeout: 15_000 });
    await page.close();
    const still = (await open(`${url}/?refresh=3600`, DESKTOP)).page;
    expect(await still.locator('.notice.warn').innerText()).toContain(reason);
    expect(await still.locator('section.regionset img, section.regionset script').count()).toBe(0);
    expect(await still.title()).toBe('regionctl status — global-api');
    await still.close();
  }, 120_000);
});
