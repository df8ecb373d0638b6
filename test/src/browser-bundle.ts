// Bundles a snippet of application code for browsers with esbuild, from the packages'
// sources (the "@tapegrad/source" condition), the way a browser app would import them, and
// records every import of a Node built-in instead of failing on the first. The browser-bundle
// tests of @tapegrad/nn (core and nn) and @tapegrad/onnx use it.
import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";
import { build, type BuildResult, type Plugin } from "esbuild";

const root = resolve(import.meta.dirname, "../..");
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** Records every import of a Node built-in (and who imports it) in `found`, leaving it external. */
function recordNodeImports(found: string[]): Plugin {
  return {
    name: "record-node-imports",
    setup(bundler) {
      bundler.onResolve({ filter: /.*/ }, (args) => {
        if (!nodeBuiltins.has(args.path) && !args.path.startsWith("node:")) return undefined;
        found.push(`${relative(root, args.importer)} imports ${args.path}`);
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * The browser bundle of `entry` (TypeScript source resolved from test/): as an ES module, or
 * as a script assigning its exports to `globalName`. Returns the Node imports found
 * ("file imports node:fs"), esbuild's result (with its metafile) and the bundled code.
 */
export async function browserBundle(entry: string, globalName?: string): Promise<{ nodeImports: string[]; result: BuildResult & { metafile: object }; code: string }> {
  const nodeImports: string[] = [];
  const result = await build({
    stdin: { contents: entry, resolveDir: join(root, "test"), sourcefile: "browser-app.ts", loader: "ts" },
    bundle: true,
    platform: "browser",
    conditions: ["@tapegrad/source"],
    format: globalName ? "iife" : "esm",
    globalName,
    write: false,
    logLevel: "silent",
    metafile: true,
    plugins: [recordNodeImports(nodeImports)],
  });
  return { nodeImports, result, code: result.outputFiles[0].text };
}
