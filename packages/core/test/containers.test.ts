import { describe, expect, it } from "vitest";
import { grad, mul, sum, tensor, valueAndGrad, vjp, type Tensor } from "../src";

// What gradient APIs accept as arguments: tensors in arrays, plain objects and Maps, to any
// depth. Any other container holding tensors is refused with a message; a tensor passed
// in never silently gets a null gradient.

describe("containers of tensors", () => {
  it("Maps: the gradients come back in a Map of the same keys, nested in plain objects too", () => {
    const params = { layers: new Map([["hidden", { W: tensor([1, 2]) }]]), scale: tensor(3) };
    const [grads] = grad((p: typeof params) => sum(mul(p.layers.get("hidden")!.W, p.scale)))(params);
    expect(grads.layers).toBeInstanceOf(Map);
    expect(grads.layers.get("hidden")!.W.toArray()).toEqual([3, 3]);
    expect(grads.scale.item()).toBe(3);
  });

  class Linear {
    constructor(readonly W: Tensor) {}
  }
  const refusal = (where: string, example = "{ ...instance }") =>
    `holds tensors, but gradients can only be given back for tensors in arrays, plain objects and Maps; pass its tensors in one of those (for example ${example})`;

  it("a class instance holding tensors is refused by valueAndGrad, grad and vjp, naming where it is", () => {
    const layer = new Linear(tensor([1, 2]));
    expect(() => valueAndGrad((l: Linear) => sum(l.W))(layer)).toThrow(`a Linear instance at '[0]' ${refusal("[0]")}`);
    expect(() => grad((x: Tensor, l: Linear) => sum(mul(x, l.W)))(tensor([1, 1]), layer)).toThrow(
      `a Linear instance at '[1]' ${refusal("[1]")}`,
    );
    expect(() => grad((p: { layer: Linear }) => sum(p.layer.W))({ layer: layer })).toThrow(`a Linear instance at '[0].layer'`);
    expect(() => vjp((l: Linear) => mul(l.W, 2), layer)).toThrow(`a Linear instance at '[0]' ${refusal("[0]")}`);
  });

  it("also when its tensors are deeper inside it, and for a Set (whose spread would lose them)", () => {
    class Model {
      readonly layers = [{ W: tensor([1]) }];
    }
    expect(() => grad((m: Model) => sum(m.layers[0].W))(new Model())).toThrow(`a Model instance at '[0]' ${refusal("[0]")}`);
    const set = new Set([tensor([1, 2])]);
    expect(() => grad((s: Set<Tensor>) => sum([...s][0]))(set)).toThrow(`a Set instance at '[0]' ${refusal("[0]", "[...set]")}`);
  });

  it("a class instance without tensors is left in place with a null gradient, like a number", () => {
    class Settings {
      readonly scale = 2;
    }
    const [dx, dSettings] = grad((x: Tensor, s: Settings) => sum(mul(x, s.scale)))(tensor([1, 2]), new Settings());
    expect(dx.toArray()).toEqual([2, 2]);
    expect(dSettings).toBeNull();
  });
});
