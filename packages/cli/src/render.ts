import { instance } from "@viz-js/viz";

let viz: Awaited<ReturnType<typeof instance>> | undefined;

/**
 * Renders Graphviz DOT to SVG with Graphviz compiled to WebAssembly (no system binary needed).
 * @example `writeFileSync("graph.svg", await renderDot(toDot(traceGraph(loss, [params, X], { parameters: [0], backward: true }))))`
 */
export async function renderDot(dot: string): Promise<string> {
  viz ??= await instance();
  const result = viz.render(dot, { format: "svg" });
  if (result.status !== "success") {
    throw new Error(`Graphviz could not render the graph: ${result.errors.map((e) => e.message).join("; ")}`);
  }
  return result.output;
}
