import { instance } from "@viz-js/viz";

// Graphviz (WebAssembly) lays out the graph off the main thread: a layout of the whole
// network with its heat-maps takes a few hundred milliseconds, which would stall training
// and scrolling if it ran beside them.

interface Scope {
  onmessage: ((event: MessageEvent<{ id: number; dot: string }>) => void) | null;
  postMessage(message: { id: number; svg?: string; error?: string }): void;
}

const scope = self as unknown as Scope;
const viz = instance();

scope.onmessage = async (event) => {
  const { id, dot } = event.data;
  try {
    scope.postMessage({ id, svg: (await viz).renderString(dot, { format: "svg" }) });
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
