/**
 * Point-to-point send/recv on the simulated mesh: a value reaches the device
 * it is sent to; a receive of other dims, a receive nobody sends and a send
 * nobody receives are errors naming both devices, never hangs.
 */
import { describe, expect, test } from "vitest";
import { Mesh } from "../mesh.ts";
import { Tensor } from "../tensor.ts";
import { SimulatedMesh } from "./simulatedMesh.ts";
import type { DeviceContext } from "./deviceContext.ts";

const mesh = new Mesh({ pipe: 2, data: 2 });
const dims = [{ name: "b", size: 2 }];
const ones = (value: number): Tensor => new Tensor(dims, Float32Array.from([value, value]));

function p2p(ctx: DeviceContext): Required<Pick<DeviceContext, "send" | "recv">> {
  if (ctx.send === undefined || ctx.recv === undefined) throw new Error("no p2p");
  return { send: ctx.send.bind(ctx), recv: ctx.recv.bind(ctx) };
}

describe("SimulatedMesh point-to-point", () => {
  test("stage 0 sends to stage 1 of the same data coordinate, in either order of arrival", async () => {
    const sim = new SimulatedMesh(mesh);
    const results = await sim.run(async (ctx) => {
      const { send, recv } = p2p(ctx);
      if (ctx.coords.pipe === 0) {
        await send(ones(10 + ctx.coords.data), "pipe", 1, "x@0");
        return -1;
      }
      return (await recv(dims, "pipe", 0, "x@0")).data[0];
    }, () => []);
    expect(results).toEqual([-1, -1, 10, 11]);
    expect(sim.stats.get("send", "pipe").payloadBytes).toBe(2 * 2 * 4);
  });

  test("tags match out of order: a later message does not stand in for an earlier one", async () => {
    const sim = new SimulatedMesh(new Mesh({ pipe: 2 }));
    const results = await sim.run(async (ctx) => {
      const { send, recv } = p2p(ctx);
      if (ctx.coords.pipe === 0) {
        await send(ones(1), "pipe", 1, "a");
        await send(ones(2), "pipe", 1, "b");
        return [];
      }
      const b = await recv(dims, "pipe", 0, "b");
      const a = await recv(dims, "pipe", 0, "a");
      return [a.data[0], b.data[0]];
    }, () => []);
    expect(results[1]).toEqual([1, 2]);
  });

  test("a receive of other dims is a mismatch naming both devices and both shapes", async () => {
    const sim = new SimulatedMesh(new Mesh({ pipe: 2 }));
    const run = sim.run(async (ctx) => {
      const { send, recv } = p2p(ctx);
      if (ctx.coords.pipe === 0) await send(ones(1), "pipe", 1, "x");
      else await recv([{ name: "b", size: 3 }], "pipe", 0, "x");
    }, () => []);
    await expect(run).rejects.toThrow(/Point-to-point mismatch for "x": device 0 \(pipe=0\) sent \[b=2\], but device 1 \(pipe=1\) receives \[b=3\]/);
  });

  test("a receive that nobody sends is a deadlock naming the receiver and the sender", async () => {
    const sim = new SimulatedMesh(new Mesh({ pipe: 2 }));
    const run = sim.run(async (ctx) => {
      const { recv } = p2p(ctx);
      if (ctx.coords.pipe === 1) await recv(dims, "pipe", 0, "x");
    }, () => []);
    await expect(run).rejects.toThrow(/device 1 \(pipe=1\) waits to receive "x" from device 0 \(pipe=0\), which finished without sending it/);
  });

  test("two stages that both receive first deadlock with both named", async () => {
    const sim = new SimulatedMesh(new Mesh({ pipe: 2 }));
    const run = sim.run(async (ctx) => {
      const { send, recv } = p2p(ctx);
      const other = 1 - ctx.coords.pipe;
      await recv(dims, "pipe", other, "x");
      await send(ones(1), "pipe", other, "x");
    }, () => []);
    await expect(run).rejects.toThrow(/itself waits to receive "x"/);
  });

  test("a message never received is an error naming the sender and the receiver", async () => {
    const sim = new SimulatedMesh(new Mesh({ pipe: 2 }));
    const run = sim.run(async (ctx) => {
      const { send } = p2p(ctx);
      if (ctx.coords.pipe === 0) await send(ones(1), "pipe", 1, "x");
    }, () => []);
    await expect(run).rejects.toThrow(/device 0 \(pipe=0\) sent "x" \[b=2\] to device 1 \(pipe=1\), which finished without receiving it/);
  });

  test("a peer outside the axis, or the device itself, is refused", async () => {
    const sim = new SimulatedMesh(new Mesh({ pipe: 2 }));
    const run = sim.run(async (ctx) => {
      await p2p(ctx).send(ones(1), "pipe", ctx.coords.pipe, "x");
    }, () => []);
    await expect(run).rejects.toThrow(/coordinate \d is not another device of the axis/);
  });
});
