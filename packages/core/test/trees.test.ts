import { describe, expect, it } from "vitest";
import { grad, mul, sum, tensor, valueAndGrad, type Tensor } from "../src";

describe("argument trees", () => {
  it("give gradients for tensors inside Maps, in a Map of the same keys", () => {
    const params = new Map<string, Tensor>([
      ["W", tensor([1, 2])],
      ["b", tensor([3])],
    ]);
    const [grads] = grad((p: Map<string, Tensor>) => sum(mul(p.get("W")!, p.get("W")!)))(params);
    expect(grads).toBeInstanceOf(Map);
    expect(grads.get("W")!.toArray()).toEqual([2, 4]);
    expect(grads.get("b")!.toArray()).toEqual([0]);
  });

  it("refuse a class instance holding tensors instead of returning null for them", () => {
    class Layer {
      constructor(readonly W: Tensor) {}
    }
    expect(() => valueAndGrad((layer: Layer) => sum(layer.W))(new Layer(tensor([1])))).toThrow(
      "a Layer instance at '[0]' holds tensors, but gradients can only be given back for tensors in arrays, plain objects and Maps; pass its tensors in one of those (for example { ...instance })",
    );
  });

  it("leave other values (numbers, strings, functions) in place with a null gradient", () => {
    const [dx, dScale, dName] = grad((x: Tensor, scale: number, _name: string) => sum(mul(x, scale)))(tensor([1, 2]), 3, "x");
    expect(dx.toArray()).toEqual([3, 3]);
    expect(dScale).toBeNull();
    expect(dName).toBeNull();
  });
});
