import dns from "node:dns";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { GUARD_MARK, isLocalLookup, isLoopbackHost } from "../setup/no-egress.js";

describe("no-egress guard", () => {
  it("knows loopback from everything else", () => {
    for (const h of ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of [
      "10.0.0.1",
      "169.254.169.254",
      "192.168.1.1",
      "8.8.8.8",
      "example.org",
      "::ffff:10.0.0.1",
      "fe80::1",
    ]) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  it("is installed in this process and throws before connecting", () => {
    // Check the mark first, so a missing guard fails here instead of sending a packet.
    expect((net.Socket.prototype as unknown as Record<symbol, unknown>)[GUARD_MARK]).toBe(true);
    expect(() => net.connect({ host: "169.254.169.254", port: 80 })).toThrow(/no-egress/);
    expect(() => net.connect(443, "192.0.2.1")).toThrow(/no-egress/);
  });

  it("lets loopback through", async () => {
    const server = net.createServer((s) => s.end("hi"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port });
      let buf = "";
      s.on("data", (d) => (buf += d));
      s.on("end", () => resolve(buf));
      s.on("error", reject);
    });
    server.close();
    expect(text).toBe("hi");
  });

  it("refuses DNS lookups of names that would leave the machine, before any query", async () => {
    expect(isLocalLookup("provider.example")).toBe(false);
    expect(isLocalLookup("localhost.")).toBe(true);
    expect(() => dns.lookup("provider.example", () => {})).toThrow(/no-egress/);
    await expect(dns.promises.lookup("provider.example", { all: true })).rejects.toThrow(/no-egress/);
    expect((await dns.promises.lookup("localhost", { all: true })).length).toBeGreaterThan(0);
  });
});
