/// <reference lib="dom" />
/** Shared pieces of the browser tests: Chromium, simulated OS drops, direct API calls, screenshots. */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { INVOKE_CHANNELS, type InvokeOp, type InvokeOps } from '../../electron/common/api';
import type { EngineProcessOptions } from './engine-process';
import { startEngineProcess, type EngineProcess } from './engine-harness';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BUILD = join(ROOT, 'out/renderer-test');
export const SHOTS = join(ROOT, 'test-output/browser');

export async function assertTestBuild(): Promise<void> {
  await stat(join(BUILD, 'index.html')).catch(() => {
    throw new Error('out/renderer-test is missing: run `npm run build:test-renderer` (npm test does it)');
  });
}

/** Engine-process options for a test folder: app data in <dir>/app, drops in <dir>/drops. */
export function engineOptions(dir: string, extra: Partial<EngineProcessOptions> = {}): EngineProcessOptions {
  return {
    userDataDir: join(dir, 'app'),
    documentsDir: join(dir, 'documents'),
    staticDir: BUILD,
    indexPath: join(BUILD, 'index.html'),
    dropRoot: join(dir, 'drops'),
    pickFiles: [],
    secretKeyHex: randomBytes(32).toString('hex'),
    ...extra,
  };
}

export async function launchChromium(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1100, height: 700 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Simulate an OS drop of files named like those in dropRoot onto the drop zone. */
export async function dropFiles(p: Page, names: string[]): Promise<void> {
  const dt = await p.evaluateHandle((ns) => {
    const d = new DataTransfer();
    for (const n of ns) d.items.add(new File(['x'], n));
    return d;
  }, names);
  const zone = p.getByTestId('dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer: dt });
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  await zone.dispatchEvent('drop', { dataTransfer: dt });
}

/** Call an operation of the engine process directly (what the page would call). */
export async function callApi<K extends InvokeOp>(
  baseUrl: string,
  op: K,
  ...args: InvokeOps[K]['args']
): Promise<InvokeOps[K]['result']> {
  const res = await fetch(new URL(`/api/${INVOKE_CHANNELS[op]}`, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { result?: InvokeOps[K]['result']; error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.result as InvokeOps[K]['result'];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Open one tab of the title's detail pane (Overview · Master · Ladder · Delivery · Audit · QC). */
export async function openDetailTab(
  page: Page,
  name: 'Overview' | 'Master' | 'Ladder' | 'Delivery' | 'Audit' | 'QC',
): Promise<void> {
  const detail = page.getByTestId('job-detail');
  await detail.getByRole('tab', { name, exact: true }).click();
  await detail.getByTestId(`detail-tab-${name.toLowerCase()}`).waitFor();
}

let axeSource: Promise<string> | undefined;
/** axe-core on the page as it is: serious and critical violations, with the nodes they hit. */
export async function axeViolations(p: Page): Promise<string[]> {
  // Evaluated through the debugger protocol: the app's CSP (rightly) refuses inline scripts.
  await p.evaluate(
    await (axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')),
  );
  const found = await p.evaluate(async () => {
    const r = await (
      window as unknown as {
        axe: {
          run(
            o: unknown,
          ): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3),
    }));
  });
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`);
}

/** The sizes the operator's window is judged at: a laptop and a desktop screen. */
export const SCREENS = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

/**
 * The page as it is, at every screen size in light and dark: axe-core finds no serious or critical
 * violation in any, and each is photographed (`<name>-<w>x<h>-<scheme>.png`). Returns the paths.
 */
export async function shotsAtEverySize(p: Page, name: string, settle?: () => Promise<void>): Promise<string[]> {
  const paths: string[] = [];
  const before = p.viewportSize();
  for (const size of SCREENS) {
    await p.setViewportSize(size);
    for (const scheme of ['light', 'dark'] as const) {
      await p.emulateMedia({ colorScheme: scheme });
      await settle?.();
      const violations = await axeViolations(p);
      if (violations.length)
        throw new Error(`${name} at ${size.width}×${size.height} ${scheme}: ${violations.join('; ')}`);
      paths.push(await screenshot(p, `${name}-${size.width}x${size.height}-${scheme}.png`));
    }
  }
  await p.emulateMedia({ colorScheme: 'light' });
  if (before) await p.setViewportSize(before);
  return paths;
}

/** The app as an operator sees it: the engine in its own process, Chromium on its page, the page's errors collected. */
export interface AppWindow {
  engine: EngineProcess;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors on the page (a test ends by expecting none). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Start the engine for a test folder (engineOptions) and open the window at a laptop's 1280×720. */
export async function openWindow(dir: string, extra: Partial<EngineProcessOptions> = {}): Promise<AppWindow> {
  await assertTestBuild();
  const engine = await startEngineProcess(engineOptions(dir, extra));
  const { context, page } = await launchChromium(join(dir, 'profile'));
  await page.setViewportSize(SCREENS[0]);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(engine.url);
  return {
    engine,
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      await engine.stop();
    },
  };
}
