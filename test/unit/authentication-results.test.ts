// Reading Authentication-Results (RFC 8601) as our mail gateway writes it, and not being fooled by what a
// sender can smuggle into it: comments, quoted strings, doubled properties.
import { describe, expect, it } from "vitest";
import { parseAuthenticationResults } from "../../src/responses/authentication-results.js";

describe("parseAuthenticationResults", () => {
  it("reads the authserv-id and each method's result and properties", () => {
    expect(
      parseAuthenticationResults(
        " mx.council.example;\r\n\tdkim=pass header.d=provider.example header.s=sel1 header.b=AbCd;\r\n\tspf=pass smtp.mailfrom=jane@provider.example;\r\n\tdmarc=pass header.from=provider.example",
      ),
    ).toEqual({
      authservId: "mx.council.example",
      results: [
        {
          method: "dkim",
          result: "pass",
          props: { "header.d": "provider.example", "header.s": "sel1", "header.b": "AbCd" },
          complete: true,
        },
        { method: "spf", result: "pass", props: { "smtp.mailfrom": "jane@provider.example" }, complete: true },
        { method: "dmarc", result: "pass", props: { "header.from": "provider.example" }, complete: true },
      ],
    });
  });

  it("follows RFC 8601's examples: version, 'none', comments, reasons, method versions, spacing, quoted ids", () => {
    expect(parseAuthenticationResults("example.org 1; none")).toEqual({ authservId: "example.org", results: [] });
    expect(parseAuthenticationResults("example.com; none")?.results).toEqual([]);
    expect(
      parseAuthenticationResults(
        'example.com; spf=pass (good) smtp.mailfrom=example.net; dkim/1 = fail reason="bad sig" header.i=@mail-router.example.net',
      )?.results,
    ).toEqual([
      { method: "spf", result: "pass", props: { "smtp.mailfrom": "example.net" }, complete: true },
      { method: "dkim", result: "fail", props: { "header.i": "@mail-router.example.net" }, complete: true },
    ]);
    expect(parseAuthenticationResults('"mx.council.example" ; SPF=SoftFail')).toEqual({
      authservId: "mx.council.example",
      results: [{ method: "spf", result: "softfail", props: {}, complete: true }],
    });
    expect(parseAuthenticationResults("mx.example; dkim=pass header.d=a.example;")?.results).toHaveLength(1);
  });

  it("ignores a field with an unknown version or an unreadable authserv-id", () => {
    expect(parseAuthenticationResults("mx.example 2; dkim=pass header.d=a.example")).toBeUndefined();
    expect(parseAuthenticationResults("dkim=pass header.d=a.example")).toBeUndefined();
    expect(parseAuthenticationResults("mx example; dkim=pass")).toBeUndefined();
    expect(parseAuthenticationResults("")).toBeUndefined();
  });

  it("does not read results out of comments or quoted strings", () => {
    expect(
      parseAuthenticationResults("mx.example; dkim=none (dkim=pass header.d=a.example; spf=pass)")?.results,
    ).toEqual([{ method: "dkim", result: "none", props: {}, complete: true }]);
    expect(
      parseAuthenticationResults('mx.example; spf=fail smtp.mailfrom="x;dkim=pass header.d=a.example"@evil.example')
        ?.results,
    ).toEqual([
      {
        method: "spf",
        result: "fail",
        props: { "smtp.mailfrom": "x;dkim=pass header.d=a.example@evil.example" },
        complete: true,
      },
    ]);
    // Nested comments and an escaped parenthesis inside one.
    expect(parseAuthenticationResults("mx.example (a (b) \\) c); dkim=fail")?.results).toEqual([
      { method: "dkim", result: "fail", props: {}, complete: true },
    ]);
  });

  it("refuses to read a field whose quotes or parentheses do not balance", () => {
    expect(parseAuthenticationResults('mx.example; dkim=pass header.d="a.example')).toBeUndefined();
    expect(parseAuthenticationResults("mx.example; dkim=pass (header.d=a.example")).toBeUndefined();
    expect(parseAuthenticationResults("mx.example; dkim=pass header.d=a.example)")).toBeUndefined();
  });

  it("keeps a result whose properties do not parse, marked incomplete; drops a result it cannot read", () => {
    expect(parseAuthenticationResults("mx.example; dmarc=fail action=none header.from=a.example")?.results).toEqual([
      { method: "dmarc", result: "fail", props: {}, complete: false },
    ]);
    expect(parseAuthenticationResults("mx.example; dkim=pass header.d=a.example header.d=b.example")?.results).toEqual([
      { method: "dkim", result: "pass", props: { "header.d": "b.example" }, complete: false },
    ]);
    expect(parseAuthenticationResults('mx.example; dkim=pass"x"')?.results).toEqual([
      { method: "dkim", result: "pass", props: {}, complete: false },
    ]);
    expect(parseAuthenticationResults("mx.example; =pass; spf=fail")?.results).toEqual([
      { method: "spf", result: "fail", props: {}, complete: true },
    ]);
  });
});
