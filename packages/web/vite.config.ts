import { defaultClientConditions, defineConfig, type Plugin } from "vite";

/**
 * The Content-Security-Policy the built page carries: scripts only from the site itself,
 * no 'unsafe-eval' (no eval, no new Function: tapegrad then runs its plain loops) and
 * 'wasm-unsafe-eval' so that the WebAssembly matrix kernel and Graphviz may compile.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Puts the policy into the built index.html (the dev server, which injects its own scripts and styles, goes without). */
function contentSecurityPolicy(): Plugin {
  return {
    name: "tapegrad-content-security-policy",
    apply: "build",
    transformIndexHtml: () => [{ tag: "meta", attrs: { "http-equiv": "Content-Security-Policy", content: CONTENT_SECURITY_POLICY }, injectTo: "head-prepend" }],
  };
}

export default defineConfig({
  // Relative asset paths: the built folder works from any static host, at any path.
  base: "./",
  // The workspace packages resolve to their TypeScript sources, so no build of them is needed first.
  resolve: { conditions: ["@tapegrad/source", ...defaultClientConditions] },
  worker: { format: "es" },
  build: {
    outDir: "dist",
    target: "es2022",
    // Graphviz's WebAssembly comes inside its module (about 1.2 MB), loaded by the graph's worker only.
    chunkSizeWarningLimit: 1600,
  },
  plugins: [contentSecurityPolicy()],
});
