// Which bucket a client's requests count in: IPv4 by address (IPv4-mapped IPv6 too), IPv6 by its /64, since one
// host usually holds a whole /64 and could otherwise step around its limit.
import { describe, expect, it } from "vitest";
import { clientKey } from "../../src/http/rate-limit.js";

describe("clientKey", () => {
  it("counts IPv4, mapped IPv4 and IPv6 /64s", () => {
    expect(clientKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe(clientKey("2001:db8:1:2:bbbb::2"));
    expect(clientKey("2001:db8:1:2::1")).not.toBe(clientKey("2001:db8:1:3::1"));
    expect(clientKey(undefined)).toBe("unknown");
    expect(clientKey("not an address")).toBe("unknown");
  });
});
