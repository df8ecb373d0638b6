import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The release setup (docs/publishing.md): changesets versions and publishes every public
// workspace package, ignores the private ones, and each published package ships a
// CHANGELOG.md whose newest entry is its current version.

const root = resolve(import.meta.dirname, "../..");
const read = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8"));

/** Every workspace package (pnpm-workspace.yaml lists packages/*, test and examples), by folder. */
const workspace = [...readdirSync(join(root, "packages")).map((name) => `packages/${name}`), "test", "examples"]
  .filter((dir) => existsSync(join(root, dir, "package.json")))
  .map((dir) => ({ dir, manifest: read(`${dir}/package.json`) as { name: string; version: string; private?: boolean; files?: string[]; publishConfig?: { access?: string } } }));
const published = workspace.filter((p) => p.manifest.private !== true);
const unpublished = workspace.filter((p) => p.manifest.private === true);

describe("the changesets configuration", () => {
  const config = read(".changeset/config.json");

  it("publishes with public access from main, and ignores exactly the private packages", () => {
    expect(config.access).toBe("public");
    expect(config.baseBranch).toBe("main");
    expect([...config.ignore].sort()).toEqual(unpublished.map((p) => p.manifest.name).sort());
    expect(published.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(["@tapegrad/core", "@tapegrad/nn", "@tapegrad/cli"]));
  });

  it("has the root scripts of the release flow", () => {
    const { scripts, devDependencies } = read("package.json");
    expect(scripts.changeset).toBe("changeset");
    expect(scripts["version-packages"]).toMatch(/^changeset version/);
    expect(scripts.release).toMatch(/changeset publish$/);
    expect(devDependencies).toHaveProperty("@changesets/cli");
  });
});

describe.each(published.map((p) => [p.manifest.name, p] as const))("%s", (_, { dir, manifest }) => {
  it("ships a CHANGELOG.md whose newest entry is the package's version", () => {
    const changelog = readFileSync(join(root, dir, "CHANGELOG.md"), "utf8");
    expect(changelog.split("\n")[0]).toBe(`# ${manifest.name}`);
    expect(/^## (\S+)$/m.exec(changelog)?.[1]).toBe(manifest.version);
    expect(manifest.files).toContain("CHANGELOG.md");
    expect(manifest.publishConfig?.access).toBe("public");
  });
});
