import { existsSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

// Debian's chromium, headless, driven by puppeteer-core (browser downloads are not used).

/** Where the system browser is: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Starts headless chromium (without its sandbox when running as root, which it refuses otherwise). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(root ? ["--no-sandbox"] : []), "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check"],
  });
}

/** What the page said on its console and what failed on it. */
export interface PageLog {
  errors: string[];
  messages: string[];
}

/** A new page at `width` × `height`, recording console errors and uncaught exceptions. */
export async function openPage(browser: Browser, width = 1280, height = 800): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage();
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  const log: PageLog = { errors: [], messages: [] };
  page.on("console", (message) => {
    const text = message.text();
    log.messages.push(`${message.type()}: ${text}`);
    if (message.type() === "error") log.errors.push(text);
  });
  page.on("pageerror", (error) => log.errors.push(`uncaught: ${(error as Error).message}`));
  return { page, log };
}

/** Waits until the page reports `document.body.dataset.status` as one of `states`; returns it. */
export async function waitForStatus(page: Page, states: string[], timeout = 60_000): Promise<string> {
  await page.waitForFunction((wanted: string[]) => wanted.includes(document.body.dataset.status ?? ""), { timeout, polling: 100 }, states);
  return page.evaluate(() => document.body.dataset.status ?? "");
}

/** A number the page reports in `data-<key>` of the element `selector`. */
export async function reported(page: Page, selector: string, key = "value"): Promise<number> {
  const text = await page.$eval(selector, (element, k) => (element as HTMLElement).dataset[k] ?? "", key);
  return Number(text);
}
