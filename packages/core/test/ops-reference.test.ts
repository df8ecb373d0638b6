import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { opsReference } from "../scripts/ops-reference";

describe("docs/ops-reference.md", () => {
  it("lists every op with its formula and vjp exactly as the registry defines them (regenerate with pnpm run docs:ops)", async () => {
    const committed = readFileSync(new URL("../../../docs/ops-reference.md", import.meta.url), "utf8");
    expect(committed).toBe(await opsReference());
  });
});
