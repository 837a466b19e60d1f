import { expect, it } from "vitest";
import { Membership } from "../../src/chat/membership.js";
import { capturingLogger } from "../helpers/env.js";

function setup(groupMembers: (id: string) => Promise<string[]>) {
  let now = 0;
  const m = new Membership({
    platform: "slack",
    artUserIds: ["UART"],
    seniorUserIds: ["USENIOR"],
    artGroupId: "S0ART",
    seniorGroupId: "S0SENIOR",
    groupMembers,
    logger: capturingLogger().logger,
    ttlMs: 1000,
    now: () => now,
  });
  return { m, tick: (ms: number) => (now += ms) };
}

it("combines listed users and group members; a senior approver is ART", async () => {
  const { m } = setup(async (g) => (g === "S0ART" ? ["UGROUP"] : ["UGSENIOR"]));
  expect(await m.actorOf("UART")).toEqual({ id: "slack:UART", art: true, senior: false, mayRaise: true });
  expect(await m.actorOf("UGROUP")).toEqual({ id: "slack:UGROUP", art: true, senior: false, mayRaise: true });
  expect(await m.actorOf("USENIOR")).toEqual({ id: "slack:USENIOR", art: true, senior: true, mayRaise: true });
  expect(await m.actorOf("UGSENIOR")).toEqual({ id: "slack:UGSENIOR", art: true, senior: true, mayRaise: true });
  expect(await m.actorOf("USW")).toEqual({ id: "slack:USW", art: false, senior: false, mayRaise: true });
});

it("reads a group once per TTL, keeps the last list when the platform fails, and fails closed with none", async () => {
  const calls: string[] = [];
  let members = ["U1"];
  let fail = false;
  const { m, tick } = setup(async (g) => {
    calls.push(g);
    if (fail) throw new Error("platform down");
    return g === "S0ART" ? members : [];
  });
  await Promise.all([m.actorOf("U1"), m.actorOf("U2"), m.actorOf("U3")]);
  expect(calls.filter((c) => c === "S0ART")).toHaveLength(1);
  members = ["U2"];
  expect((await m.actorOf("U2")).art).toBe(false); // still cached
  tick(1001);
  expect((await m.actorOf("U2")).art).toBe(true); // re-read after the TTL
  fail = true;
  tick(1001);
  expect((await m.actorOf("U2")).art).toBe(true); // last known list
  const fresh = setup(async () => {
    throw new Error("platform down");
  });
  expect((await fresh.m.actorOf("U1")).art).toBe(false); // never known: not ART
});

it("anyone may raise when no raisers are configured; otherwise listed users, the group's members and ART only", async () => {
  const base = {
    platform: "teams" as const,
    artUserIds: ["aad-art"],
    seniorUserIds: [],
    logger: capturingLogger().logger,
  };
  const open = new Membership({ ...base, groupMembers: async () => [] });
  expect((await open.actorOf("aad-anyone")).mayRaise).toBe(true);

  let groupDown = false;
  const limited = new Membership({
    ...base,
    raiserUserIds: ["aad-listed"],
    raiserGroupId: "raisers",
    groupMembers: async () => {
      if (groupDown) throw new Error("graph down");
      return ["aad-member"];
    },
  });
  expect((await limited.actorOf("aad-listed")).mayRaise).toBe(true);
  expect((await limited.actorOf("aad-art")).mayRaise).toBe(true);
  expect((await limited.actorOf("aad-anyone")).mayRaise).toBe(false);
  // Fail closed: the group could never be read, so its members are not raisers (the listed ones still are).
  groupDown = true;
  const down = new Membership({
    ...base,
    raiserGroupId: "raisers",
    groupMembers: async () => Promise.reject(new Error("x")),
  });
  expect((await down.actorOf("aad-member")).mayRaise).toBe(false);
  expect((await limited.actorOf("aad-member")).mayRaise).toBe(true); // the cached list is still used
});
