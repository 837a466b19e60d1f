// The outbound address rules on their own: which addresses a webhook may reach, how every spelling of a URL's
// host is read (WHATWG normalises decimal, octal and hex IPv4), and that literal hosts never reach the resolver.
import { describe, expect, it } from "vitest";
import {
  type AddressPolicy,
  AddressRefusedError,
  isAllowedAddress,
  literalHostRefusal,
  type Resolver,
  vetDestination,
} from "../../src/delivery/address-guard.js";

const strict: AddressPolicy = { allowLoopback: false };
const dev: AddressPolicy = { allowLoopback: true };

const FORBIDDEN_V4 = [
  "0.0.0.0", // unspecified
  "0.1.2.3", // "this network"
  "127.0.0.1", // loopback
  "127.255.0.9",
  "10.0.0.1", // RFC 1918
  "172.16.0.1",
  "172.31.255.254",
  "192.168.1.1",
  "100.64.0.1", // CGNAT
  "100.127.255.254",
  "169.254.169.254", // link-local: cloud metadata
  "192.0.0.8", // IETF protocol assignments
  "192.0.2.10", // documentation
  "198.51.100.7",
  "203.0.113.9",
  "198.18.0.1", // benchmarking
  "224.0.0.1", // multicast
  "239.255.255.250",
  "240.0.0.1", // reserved
  "255.255.255.255", // broadcast
];

const FORBIDDEN_V6 = [
  "::", // unspecified
  "::1", // loopback
  "fe80::1", // link-local
  "fc00::1", // ULA
  "fd12:3456:789a::1",
  "ff02::1", // multicast
  "fec0::1", // deprecated site-local
  "2001:db8::1", // documentation
  "100::1", // discard
  "::ffff:127.0.0.1", // IPv4-mapped loopback
  "::ffff:10.0.0.1",
  "::ffff:169.254.169.254",
  "::ffff:0:10.0.0.1", // RFC 6145 translated
  "64:ff9b::a00:1", // NAT64 of 10.0.0.1
  "64:ff9b::7f00:1", // NAT64 of 127.0.0.1
  "64:ff9b:1::a00:1", // local-use NAT64
  "2002:a00:1::1", // 6to4 embedding 10.0.0.1
  "2002:7f00:1::1", // 6to4 embedding 127.0.0.1
  "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo embedding 10.0.0.1
  "::7f00:1", // deprecated IPv4-compatible 127.0.0.1
  "::a00:1",
  "5f00::1", // segment routing
];

const PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4009:81f::200e", "64:ff9b::5db8:d70e"];

describe("isAllowedAddress", () => {
  it.each(FORBIDDEN_V4)("refuses IPv4 %s", (a) => {
    expect(isAllowedAddress(a, strict)).toBe(false);
  });
  it.each(FORBIDDEN_V6)("refuses IPv6 %s", (a) => {
    expect(isAllowedAddress(a, strict)).toBe(false);
  });
  it.each(PUBLIC)("allows public unicast %s", (a) => {
    expect(isAllowedAddress(a, strict)).toBe(true);
  });
  it("refuses what is not an address at all", () => {
    for (const a of ["", "localhost", "example.org", "1.2.3", "::ffff:999.0.0.1"]) {
      expect(isAllowedAddress(a, strict)).toBe(false);
    }
  });
  it("with the development setting allows loopback only, never the other private ranges", () => {
    for (const a of ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"]) expect(isAllowedAddress(a, dev)).toBe(true);
    const stillForbidden = FORBIDDEN_V4.concat(FORBIDDEN_V6).filter(
      (a) => !["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"].includes(a),
    );
    for (const a of stillForbidden) expect(isAllowedAddress(a, dev), a).toBe(false);
  });
});

const LOOPBACK_SPELLINGS = [
  "http://127.0.0.1/hook",
  "http://2130706433/hook", // decimal
  "http://0x7f.1/hook", // hex, short form
  "http://0x7f000001/hook",
  "http://0177.0.0.1/hook", // octal
  "http://127.1/hook",
  "http://127.0.0.1./hook", // trailing dot
  "http://[::1]/hook",
  "http://[0:0:0:0:0:0:0:1]/hook",
  "http://[::ffff:127.0.0.1]/hook",
  "http://[::ffff:7f00:1]/hook",
  "http://localhost/hook",
  "http://LOCALHOST./hook",
  "http://api.localhost/hook",
];

function refusingResolver(): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (host: string) => {
    calls.push(host);
    throw new Error("the resolver must not be asked");
  };
  return Object.assign(fn, { calls });
}

describe("vetDestination", () => {
  it.each(LOOPBACK_SPELLINGS)("refuses %s without resolving anything", async (u) => {
    const resolve = refusingResolver();
    await expect(vetDestination(new URL(u), { ...strict, resolve })).rejects.toBeInstanceOf(AddressRefusedError);
    expect(resolve.calls).toEqual([]);
  });

  it.each([
    "https://10.0.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00::1]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://0xa9fea9fe/",
    "https://3232235777/", // 192.168.1.1
  ])("refuses the private literal %s, even with the development setting", async (u) => {
    const resolve = refusingResolver();
    await expect(vetDestination(new URL(u), { ...dev, resolve })).rejects.toBeInstanceOf(AddressRefusedError);
    expect(resolve.calls).toEqual([]);
  });

  it("refuses a host name that resolves to a forbidden address, and one with any forbidden answer", async () => {
    for (const answer of [["127.0.0.1"], ["10.0.0.1"], ["::1"], ["93.184.215.14", "10.0.0.1"], ["fd00::7"]]) {
      const resolve: Resolver = async () =>
        answer.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
      await expect(vetDestination(new URL("https://evil.example/"), { ...strict, resolve })).rejects.toBeInstanceOf(
        AddressRefusedError,
      );
    }
  });

  it("resolves the name without its trailing dot and returns the vetted address to connect to", async () => {
    const asked: string[] = [];
    const resolve: Resolver = async (host) => {
      asked.push(host);
      return [{ address: "93.184.215.14", family: 4 }];
    };
    expect(await vetDestination(new URL("https://Provider.Example./hook"), { ...strict, resolve })).toEqual({
      address: "93.184.215.14",
      family: 4,
    });
    expect(asked).toEqual(["provider.example"]);
  });

  it("connects over IPv4 when a name has both kinds of public address", async () => {
    const resolve: Resolver = async () => [
      { address: "2606:4700:4700::1111", family: 6 },
      { address: "93.184.215.14", family: 4 },
    ];
    expect(await vetDestination(new URL("https://provider.example/"), { ...strict, resolve })).toEqual({
      address: "93.184.215.14",
      family: 4,
    });
  });

  it("passes a public literal through without the resolver", async () => {
    const resolve = refusingResolver();
    expect(await vetDestination(new URL("https://[2606:4700:4700::1111]/"), { ...strict, resolve })).toEqual({
      address: "2606:4700:4700::1111",
      family: 6,
    });
    expect(resolve.calls).toEqual([]);
  });

  it("with the development setting lets localhost through, but only to loopback answers", async () => {
    const loop: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    expect(await vetDestination(new URL("http://localhost:9/"), { ...dev, resolve: loop })).toEqual({
      address: "127.0.0.1",
      family: 4,
    });
    const lying: Resolver = async () => [{ address: "10.1.2.3", family: 4 }];
    await expect(vetDestination(new URL("http://localhost:9/"), { ...dev, resolve: lying })).rejects.toBeInstanceOf(
      AddressRefusedError,
    );
  });
});

describe("literalHostRefusal (import-time check)", () => {
  it.each(LOOPBACK_SPELLINGS)("names the problem for %s", (u) => {
    expect(literalHostRefusal(new URL(u), strict)).toMatch(/not allowed/);
  });
  it("names private literals even with the development setting, and lets loopback through with it", () => {
    expect(literalHostRefusal(new URL("https://192.168.0.10/"), dev)).toMatch(/not allowed/);
    expect(literalHostRefusal(new URL("http://127.0.0.1:4000/"), dev)).toBeUndefined();
    expect(literalHostRefusal(new URL("http://localhost:4000/"), dev)).toBeUndefined();
  });
  it("leaves host names to the send-time check", () => {
    expect(literalHostRefusal(new URL("https://api.provider.example/"), strict)).toBeUndefined();
  });
});
