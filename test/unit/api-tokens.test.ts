// ART_API_TOKENS entries: `<name>:<token>` (reports:read only) or `<name>:<token>:<scope>+<scope>`.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { ConfigError } from "../../src/errors.js";
import { parseApiTokens } from "../../src/http/api-tokens.js";

const T = "0123456789abcdefghijklmnopqrstuvwxyz";

describe("ART_API_TOKENS", () => {
  it("reads scopes per token; a token without scopes may only read reports", () => {
    const { tokens, problems } = parseApiTokens(`analyst:${T}a,integration:${T}b:decisions:write+referrals:read`);
    expect(problems).toEqual([]);
    expect(tokens.map((t) => [t.name, [...t.scopes]])).toEqual([
      ["analyst", ["reports:read"]],
      ["integration", ["decisions:write", "referrals:read"]],
    ]);
    // Only a digest is kept.
    expect(JSON.stringify(tokens)).not.toContain(T);
  });

  it("refuses unknown scopes, short tokens and repeated names or tokens, without echoing a token", () => {
    const problemsOf = (raw: string) => {
      try {
        loadConfig({ NODE_ENV: "development", ART_API_TOKENS: raw });
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    const unknown = problemsOf(`a:${T}:decisions:wrte`);
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatch(/^ART_API_TOKENS: .*"a".*unknown scope "decisions:wrte"/);
    expect(unknown[0]).not.toContain(T);
    expect(problemsOf("a:short")[0]).toMatch(/32/);
    expect(problemsOf("a:short")[0]).not.toContain("short");
    expect(problemsOf(`a:${T}1,a:${T}2`)[0]).toMatch(/"a" is used twice/);
    expect(problemsOf(`a:${T},b:${T}`)[0]).toMatch(/same token/);
    expect(problemsOf(`a:${T}:`)[0]).toMatch(/scope/);
    expect(
      loadConfig({ NODE_ENV: "development", ART_API_TOKENS: `a:${T}:admin+data:export+referrals:write` })
        .ART_API_TOKENS,
    ).toBeDefined();
  });
});
