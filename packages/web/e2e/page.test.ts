import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, reported, waitForStatus, type PageLog } from "./browser";
import { serveStatic, type StaticServer } from "./static-server";

// The built page in a real browser: it trains from its address, the hand-derived and the
// tape's gradients agree, a planted mistake is reported at the right layer, both
// conventions give the same loss, and all of it works under strict content-security
// policies. Screenshots for the docs are written when TAPEGRAD_SCREENSHOTS names a folder.

const dist = resolve(import.meta.dirname, "../dist");
const screenshots = process.env.TAPEGRAD_SCREENSHOTS ? resolve(process.cwd(), process.env.TAPEGRAD_SCREENSHOTS) : undefined;

/** A policy stricter than the page's own: no 'unsafe-eval' and no 'wasm-unsafe-eval' either. */
const NO_WASM_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; worker-src 'self'; object-src 'none'";

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  if (!existsSync(join(dist, "index.html"))) throw new Error(`no built page at ${dist}: run pnpm run web:build first`);
  server = await serveStatic(dist);
  browser = await launchBrowser();
  if (screenshots) await mkdir(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Errors other than the policy's own reports of what it refused (which are the point of the policy). */
function unexpectedErrors(log: PageLog): string[] {
  return log.errors.filter((text) => !/Content Security Policy|Content-Security-Policy|unsafe-eval|WebAssembly/i.test(text));
}

async function open(query: string, options: { width?: number; height?: number; base?: string } = {}): Promise<{ page: Page; log: PageLog }> {
  const opened = await openPage(browser, options.width, options.height);
  await opened.page.goto(`${options.base ?? server.url}/?${query}`, { waitUntil: "load" });
  return opened;
}

async function trained(query: string, options: { width?: number; height?: number; base?: string } = {}) {
  const opened = await open(query, options);
  expect(await waitForStatus(opened.page, ["done", "failed"])).toBe("done");
  return opened;
}

async function shoot(page: Page, name: string, selector?: string): Promise<void> {
  if (!screenshots) return;
  const path = join(screenshots, `web-${name}.png`) as `${string}.png`;
  if (selector) await (await page.$(selector))!.screenshot({ path });
  else await page.screenshot({ path });
}

describe("the built page", () => {
  it("carries a strict Content-Security-Policy and relative asset paths", async () => {
    const html = await readFile(join(dist, "index.html"), "utf8");
    const policy = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1]?.replace(/&#39;/g, "'");
    expect(policy).toBeDefined();
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(policy).not.toContain("'unsafe-eval'");
    expect(policy).not.toContain("'unsafe-inline'");
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(1);
    for (const asset of assets) expect(asset).toMatch(/^\.\//);
  });

  it("trains from its address and reports the loss and the hand-vs-tape agreement", async () => {
    const { page, log } = await trained("steps=300&seed=3&dataset=moons&hidden=8,8&convention=column");
    const loss = await reported(page, "#loss");
    const initial = await reported(page, "#loss", "initial");
    expect(await reported(page, "#steps")).toBe(300);
    expect(loss).toBeLessThan(initial / 4);
    expect(await reported(page, "#agreement")).toBeLessThanOrEqual(1e-9);
    expect(await reported(page, "#accuracy")).toBeGreaterThan(0.9);
    // The page's own policy refused generated code (ndarray-ops, the generated loops): it trained anyway,
    // and WebAssembly, which the policy allows, runs the larger matrix products.
    expect(await page.evaluate(() => document.body.dataset.codegen)).toBe("refused");
    expect(await page.evaluate(() => document.body.dataset.matmul)).toBe("wasm");
    await page.waitForFunction(() => document.body.dataset.graph !== undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => document.body.dataset.graph)).toBe("ready");
    expect(unexpectedErrors(log)).toEqual([]);
    await shoot(page, "training");
    await page.close();
  });

  it("gives the same loss in either convention, and gradients that are each other's transposes", async () => {
    const query = "steps=150&seed=5&dataset=circles&hidden=6,6&activation=tanh&batch=16";
    const losses: Record<string, number> = {};
    for (const convention of ["row", "column"]) {
      const { page } = await trained(`${query}&convention=${convention}`);
      losses[convention] = await reported(page, "#loss");
      expect(await reported(page, "#agreement")).toBeLessThanOrEqual(1e-9);
      expect(await reported(page, "#convention-check")).toBeLessThanOrEqual(1e-12);
      expect(await reported(page, "#convention-check", "loss")).toBeLessThanOrEqual(1e-12);
      if (convention === "row") await shoot(page, "conventions", "#conventions");
      await page.close();
    }
    expect(Math.abs(losses.row - losses.column)).toBeLessThanOrEqual(1e-9 * Math.max(1, losses.column));
  });

  // Backprop runs from the output back, so a mistake in layer l's dZ or dW shows first at
  // layer l, and a missing transpose in dA^[l−1] (layer l's step) at layer l − 1.
  const mistakes: Array<[string, string, number]> = [
    ["σ′ = σ in dZ^[2]", "mistake=derivative&layer=2&convention=column", 2],
    ["σ′ = σ in dZ^[1], rows", "mistake=derivative&layer=1&convention=row", 1],
    ["Wᵀ missing in dA^[1] (W^[2] is 8 × 8)", "mistake=transpose&layer=2&convention=column", 1],
    ["Wᵀ missing in dA^[2] (W^[3] is 1 × 8: the shapes refuse)", "mistake=transpose&layer=3&convention=row", 2],
    ["1/m missing in dZ^[3]", "mistake=mean&convention=column", 3],
    ["1/m missing in dW^[2] and db^[2], rows", "mistake=mean&layer=2&convention=row", 2],
  ];
  it.each(mistakes)("reports a planted mistake at the right layer: %s", async (name, query, layer) => {
    const { page } = await trained(`steps=20&seed=2&hidden=8,8&${query}`);
    expect(await reported(page, "#first-divergence", "layer")).toBe(layer);
    expect(await reported(page, "#agreement")).toBeGreaterThan(1e-6);
    const cards = await page.$$eval("article.layer.first", (elements) => elements.map((element) => (element as HTMLElement).dataset.layer));
    expect(cards).toEqual([String(layer)]);
    if (name.startsWith("σ′ = σ in dZ^[2]")) await shoot(page, "mistake", "#hand");
    await page.close();
  });

  it("plants a mistake from the controls, and shows that the tape is untouched by it", async () => {
    const { page } = await trained("steps=10&seed=2");
    expect(await reported(page, "#agreement")).toBeLessThanOrEqual(1e-9);
    await page.select("#mistake", "derivative");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#first-divergence")?.dataset.layer === "2");
    await page.select("#mistake-layer", "1");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#first-divergence")?.dataset.layer === "1");
    await page.select("#mistake", "none");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#first-divergence")?.dataset.layer === "");
    expect(await reported(page, "#agreement")).toBeLessThanOrEqual(1e-9);
    expect(await reported(page, "#steps")).toBe(10); // planting a mistake does not restart training
    await page.close();
  });

  it("trains under a policy that refuses WebAssembly too, with the JavaScript kernels", async () => {
    const strict = await serveStatic(dist, { policy: NO_WASM_POLICY });
    try {
      const { page, log } = await trained("steps=200&seed=3&dataset=xor&hidden=8", { base: strict.url });
      expect(await page.evaluate(() => document.body.dataset.matmul)).toBe("js");
      expect(await page.evaluate(() => document.body.dataset.codegen)).toBe("refused");
      expect(await reported(page, "#loss")).toBeLessThan((await reported(page, "#loss", "initial")) / 2);
      expect(await reported(page, "#agreement")).toBeLessThanOrEqual(1e-9);
      expect(unexpectedErrors(log)).toEqual([]);
      await page.close();
    } finally {
      await strict.close();
    }
  });

  it("plays, pauses and steps from the keyboard, and stays responsive while it trains", async () => {
    const { page } = await open("seed=1");
    await waitForStatus(page, ["ready"]);
    // Tab to the Play button and press Enter, as a keyboard user would.
    await page.focus("#play");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#steps")?.dataset.value) > 50, { timeout: 30_000 });
    // While it plays, the page keeps painting: the longest gap between animation frames over a second.
    const gap = await page.evaluate(
      () =>
        new Promise<number>((done) => {
          let last = performance.now();
          let longest = 0;
          const start = last;
          const frame = (now: number) => {
            longest = Math.max(longest, now - last);
            last = now;
            if (now - start < 1500) requestAnimationFrame(frame);
            else done(longest);
          };
          requestAnimationFrame(frame);
        }),
    );
    expect(gap).toBeLessThan(250);
    await page.keyboard.press("Enter"); // the same button, now Pause
    expect(await page.$eval("#play", (button) => button.getAttribute("aria-pressed"))).toBe("false");
    const paused = await reported(page, "#steps");
    await page.focus("#step");
    await page.keyboard.press("Enter");
    await page.waitForFunction((n: number) => Number(document.querySelector<HTMLElement>("#steps")?.dataset.value) === n + 1, {}, paused);
    await page.close();
  });

  it("shows a node's local derivative, its cotangents and the axes unbroadcasting sums", async () => {
    const { page } = await trained("steps=40&seed=4&hidden=8,8");
    await page.waitForFunction(() => document.body.dataset.graph === "ready", { timeout: 30_000 });
    // Z^[1] = W^[1]·X + b^[1]: its add broadcasts b^[1] [8, 1] over the examples.
    const z1 = await page.$$eval("g.node", (nodes) => nodes.find((node) => node.textContent?.includes("Z^[1] = add"))?.id ?? "");
    expect(z1).toMatch(/^f\d+$/);
    await page.click(`g#${z1}`);
    await page.waitForFunction(() => document.querySelector("#node-details")?.textContent?.includes("local derivative"));
    const text = await page.$eval("#node-details", (element) => element.textContent ?? "");
    expect(text).toContain("dx = unbroadcast(g), dy = unbroadcast(g)");
    expect(text).toContain("summed over axes [1] to undo broadcasting [8, 1] → [8, 16]");
    expect(text).toContain("cotangent in: g = ∂J/∂Z[1]"); // the text of ∂J/∂Z^[1], its superscript flattened
    await page.waitForFunction(() => document.body.dataset.graph === "ready");
    await shoot(page, "graph", "#graph-panel");
    await page.close();
  });

  it("checks a custom activation as you type, and trains with it", async () => {
    const { page } = await trained("steps=5&seed=1");
    const typeInto = async (selector: string, text: string) => {
      await page.click(selector, { clickCount: 3 });
      await page.keyboard.press("Backspace");
      await page.type(selector, text);
    };
    await typeInto("#custom-forward", "z > 0 ? z : 0.2 * z");
    await typeInto("#custom-derivative", "z > 0 ? 1 : 0.3");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#custom-check")?.dataset.ok === "false");
    await typeInto("#custom-derivative", "z > 0 ? 1 : 0.2");
    await page.waitForFunction(() => document.querySelector<HTMLElement>("#custom-check")?.dataset.ok === "true");
    await shoot(page, "custom", "#custom");
    await page.click("#use-custom");
    expect(await page.$eval("#activation", (select) => (select as HTMLSelectElement).value)).toBe("custom");
    await page.click("#step");
    await page.click("#step");
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#steps")?.dataset.value) === 2);
    expect(await reported(page, "#agreement")).toBeLessThanOrEqual(1e-9);
    expect(page.url()).toContain("activation=custom");
    await page.close();
  });

  it("fits a narrow screen", async () => {
    const { page } = await trained("steps=60&seed=1", { width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shoot(page, "narrow");
    await page.close();
  });
});
