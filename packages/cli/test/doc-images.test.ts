import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { docImages } from "../scripts/doc-images";
import { renderSvg } from "./helpers";

it("the pictures in docs/images are what the code draws today (run pnpm run docs:images to update them)", async () => {
  for (const [name, svg] of Object.entries(await docImages())) {
    expect(readFileSync(resolve(import.meta.dirname, "../../../docs/images", name), "utf8"), name).toBe(svg);
    expect(renderSvg(svg).dark, name).toBeGreaterThan(2000);
  }
});
