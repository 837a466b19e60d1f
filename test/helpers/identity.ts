// A local stand-in for Microsoft's token keys: the Bot Framework OpenID metadata and keys, and Entra's per-tenant
// keys, on loopback, with RS256 keys made for this run. Mints the tokens Microsoft would send with activities.
// Entra signs every tenant's tokens with the same keys, so this fake serves one Entra key set for any tenant.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

export class FakeIdentity {
  url = "";
  readonly requests: string[] = [];
  private server?: Server;
  private bf?: { key: Key; jwk: JWK };
  private entra?: { key: Key; jwk: JWK };

  async start(): Promise<void> {
    const make = async (kid: string) => {
      const { privateKey, publicKey } = await generateKeyPair("RS256");
      return { key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: "sig", alg: "RS256" } };
    };
    this.bf = await make(`bf-${randomUUID()}`);
    this.entra = await make(`entra-${randomUUID()}`);
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      this.requests.push(path);
      const json = (body: unknown) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (path === "/v1/.well-known/openidconfiguration") {
        return json({ issuer: "https://api.botframework.com", jwks_uri: `${this.url}/v1/.well-known/keys` });
      }
      if (path === "/v1/.well-known/keys") return json({ keys: [{ ...this.bf!.jwk, endorsements: ["msteams"] }] });
      if (/^\/[^/]+\/discovery\/v2\.0\/keys$/.test(path)) return json({ keys: [this.entra!.jwk] });
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private sign(claims: Record<string, unknown>, key: { key: Key; jwk: JWK }) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: key.jwk.kid!, typ: "JWT" })
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("10m")
      .sign(key.key);
  }

  /** What the Bot Framework sends with a Teams activity: issuer api.botframework.com, the activity's serviceurl. */
  botFrameworkToken(o: { audience: string; serviceUrl: string; tid?: string }): Promise<string> {
    return this.sign(
      {
        iss: "https://api.botframework.com",
        aud: o.audience,
        serviceurl: o.serviceUrl,
        ...(o.tid ? { tid: o.tid } : {}),
      },
      this.bf!,
    );
  }

  /**
   * An Entra v2 access token issued in `tenant` for `audience` (what any app in that tenant can get for the bot),
   * with app roles if given (client credentials for an API), another `tid` claim, or already expired.
   */
  entraToken(o: {
    audience: string;
    tenant: string;
    roles?: string[];
    tid?: string;
    expired?: boolean;
  }): Promise<string> {
    const claims = {
      iss: `${this.url}/${o.tenant}/v2.0`,
      aud: o.audience,
      tid: o.tid ?? o.tenant,
      azp: randomUUID(),
      ver: "2.0",
      ...(o.roles ? { roles: o.roles } : {}),
    };
    if (!o.expired) return this.sign(claims, this.entra!);
    const past = Math.floor(Date.now() / 1000) - 3600;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: this.entra!.jwk.kid!, typ: "JWT" })
      .setIssuedAt(past - 600)
      .setExpirationTime(past)
      .sign(this.entra!.key);
  }
}
