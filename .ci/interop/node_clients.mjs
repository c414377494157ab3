// Generic Node OAuth2 clients against `paytoken mock`: simple-oauth2 and openid-client, every
// client-authentication style (and, for simple-oauth2, body format) they offer, for every
// provider. Run by run.mjs, which passes the endpoints in INTEROP_ENDPOINTS; prints one JSON
// line per case, as python_clients.py does (outcomes are explained there).
import * as oidc from "openid-client";
import { AuthorizationCode, ClientCredentials } from "simple-oauth2";

import { creds, newCode, protectedCall, REDIRECT, refusal, SCOPE } from "./common.mjs";

const E = JSON.parse(process.env.INTEROP_ENDPOINTS);

// A Moov provider entry ("moov" or "moov-current") names the mock it runs against.
const tokenURL = (p) => E.token[p];
const mockOf = (p) => E.mockOf?.[p] ?? E.mock;
const family = (p) => p.replace(/-current$/, "");

// grants: one case's requests, the same for every client. The demo client's grant (a
// MobiFinance code from the mock, else client_credentials with the provider's scope), the
// token on the protected endpoint, and for Moov a refresh and the new token there too. run
// calls the client library, giving { token } or { got: outcome }; lib's functions are the
// library's calls: code(code), clientCredentials(scope), refresh(token).
async function grants(p, run, lib) {
  const code = family(p) === "mobifinance" ? await newCode(mockOf(p)) : undefined;
  const r = await run(() => (code ? lib.code(code) : lib.clientCredentials(SCOPE[family(p)])));
  if (r.got) return r.got;
  let got = await protectedCall(mockOf(p), r.token.access_token, family(p));
  if (got === "ok" && family(p) === "moov") {
    const r2 = await run(() => lib.refresh(r.token));
    got = r2.got ? `refresh: ${r2.got}` : await protectedCall(mockOf(p), r2.token.access_token, "moov");
  }
  return got;
}

// ---- simple-oauth2 -----------------------------------------------------------------------

const SO_STYLES = ["header+form", "body+form", "header+json", "body+json"];

async function soCase(p, style) {
  const [id, secret] = creds(family(p));
  const [authorizationMethod, bodyFormat] = style.split("+");
  const u = new URL(tokenURL(p));
  const config = {
    client: { id, secret },
    auth: { tokenHost: u.origin, tokenPath: u.pathname },
    options: { authorizationMethod, bodyFormat },
  };
  const run = async (fn) => {
    try {
      return { token: (await fn()).token };
    } catch (e) {
      if (e.isBoom && e.data?.isResponseError) {
        return { got: refusal(e.output.statusCode, e.data.payload) };
      }
      return { got: `client rejects ${e.name}` };
    }
  };
  const client = family(p) === "mobifinance" ? new AuthorizationCode(config) : new ClientCredentials(config);
  let at;
  return grants(p, run, {
    code: async (code) => (at = await client.getToken({ code, redirect_uri: REDIRECT })),
    clientCredentials: async (scope) => (at = await client.getToken({ scope })),
    refresh: () => at.refresh(),
  });
}

const SO_EXPECT = {
  // Money-Go takes only a JSON body with the credentials in it.
  "moneygo header+form": "refused 400 invalid_request",
  "moneygo body+form": "refused 400 invalid_request",
  "moneygo header+json": "refused 400 invalid_request",
  // MoneyKit and MobiFinance take only a form body; MobiFinance the credentials only in it.
  "moneykit header+json": "refused 400 api_error.auth.unauthorized",
  "moneykit body+json": "refused 400 api_error.auth.unauthorized",
  "mobifinance header+form": "refused 400 invalid_request",
  "mobifinance header+json": "refused 400 invalid_request",
  "mobifinance body+json": "refused 400 invalid_request",
};

// ---- openid-client -----------------------------------------------------------------------

const OC_STYLES = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none",
  "client_secret_basic+fetch-hook"];

// The private key of private_key_jwt (RFC 7523): no provider has the client's public key.
const { privateKey } = await crypto.subtle.generateKey(
  { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
  false, ["sign"]);

// fetchHook is what an application can do about MoneyKit's 201 and Moov's seed token_type
// with openid-client: its customFetch hands over a 200 and a Bearer token_type instead.
async function fetchHook(res) {
  const body = await res.text();
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    return new Response(body, res);
  }
  if (json && ["opaque", "jwt"].includes(json.token_type)) json.token_type = "Bearer";
  const status = res.status === 201 ? 200 : res.status;
  return new Response(JSON.stringify(json), { status, statusText: res.statusText, headers: res.headers });
}

async function ocCase(p, style) {
  const [id, secret] = creds(family(p));
  const u = new URL(tokenURL(p));
  const hook = style.endsWith("+fetch-hook");
  style = style.replace(/\+fetch-hook$/, "");
  const auth = {
    client_secret_basic: () => oidc.ClientSecretBasic(secret),
    client_secret_post: () => oidc.ClientSecretPost(secret),
    client_secret_jwt: () => oidc.ClientSecretJwt(secret),
    private_key_jwt: () => oidc.PrivateKeyJwt(privateKey),
    // RFC 8705: the client_id in the body, the client's TLS certificate as its proof (none
    // over plain http, and no provider documents mutual TLS).
    tls_client_auth: () => oidc.TlsClientAuth(),
    none: () => oidc.None(),
  }[style]();
  const config = new oidc.Configuration({ issuer: u.origin, token_endpoint: u.href }, id, undefined, auth);
  oidc.allowInsecureRequests(config); // plain http on loopback
  config.timeout = 120; // seconds (default 30): a loaded CI machine may pause any process
  let last; // the last token-endpoint answer, for the status and body of a refusal
  config[oidc.customFetch] = async (url, options) => {
    const res = await fetch(url, options);
    last = { status: res.status, body: await res.clone().text() };
    return hook ? fetchHook(res) : res;
  };
  const run = async (fn) => {
    try {
      return { token: await fn() };
    } catch (e) {
      if (last && last.status >= 400) {
        let body;
        try {
          body = JSON.parse(last.body);
        } catch {
          body = undefined;
        }
        return { got: refusal(last.status, body) };
      }
      return { got: `client rejects ${e.code ?? e.name}` + (last ? ` (HTTP ${last.status})` : "") };
    }
  };
  return grants(p, run, {
    code: (code) => oidc.authorizationCodeGrant(config, new URL(`${REDIRECT}?code=${encodeURIComponent(code)}`), { idTokenExpected: false }),
    clientCredentials: (scope) => oidc.clientCredentialsGrant(config, { scope }),
    refresh: (token) => oidc.refreshTokenGrant(config, token.refresh_token),
  });
}

const OC_EXPECT = {
  // openid-client posts a form: Money-Go refuses it.
  "moneygo client_secret_basic": "refused 400 invalid_request",
  "moneygo client_secret_post": "refused 400 invalid_request",
  "moneygo client_secret_jwt": "refused 400 invalid_request",
  "moneygo private_key_jwt": "refused 400 invalid_request",
  "moneygo tls_client_auth": "refused 400 invalid_request",
  "moneygo none": "refused 400 invalid_request",
  "moneygo client_secret_basic+fetch-hook": "refused 400 invalid_request",
  // MoneyKit answers 201; openid-client (oauth4webapi) takes only 200 from a token endpoint.
  "moneykit client_secret_basic": "client rejects OAUTH_RESPONSE_IS_NOT_CONFORM (HTTP 201)",
  "moneykit client_secret_post": "client rejects OAUTH_RESPONSE_IS_NOT_CONFORM (HTTP 201)",
  // No provider takes a client without its secret, or a JWT client assertion (RFC 7523).
  "moneykit client_secret_jwt": "refused 401 api_error.auth.unauthorized",
  "moneykit private_key_jwt": "refused 401 api_error.auth.unauthorized",
  "moneykit tls_client_auth": "refused 401 api_error.auth.unauthorized",
  "moneykit none": "refused 401 api_error.auth.unauthorized",
  // Moov's seed document: token_type "opaque", which openid-client refuses (Bearer or DPoP).
  "moov client_secret_basic": "client rejects OAUTH_UNSUPPORTED_OPERATION (HTTP 200)",
  "moov client_secret_post": "client rejects OAUTH_UNSUPPORTED_OPERATION (HTTP 200)",
  "moov client_secret_jwt": "refused 400 invalid_client",
  "moov private_key_jwt": "refused 400 invalid_client",
  "moov tls_client_auth": "refused 400 invalid_client",
  "moov none": "refused 400 invalid_client",
  "moov-current client_secret_jwt": "refused 400 invalid_client",
  "moov-current private_key_jwt": "refused 400 invalid_client",
  "moov-current tls_client_auth": "refused 400 invalid_client",
  "moov-current none": "refused 400 invalid_client",
  // MobiFinance takes the credentials only in the body.
  "mobifinance client_secret_basic": "refused 400 invalid_request",
  "mobifinance client_secret_jwt": "refused 400 invalid_request",
  "mobifinance private_key_jwt": "refused 400 invalid_request",
  "mobifinance tls_client_auth": "refused 400 invalid_request",
  "mobifinance none": "refused 400 invalid_request",
  "mobifinance client_secret_basic+fetch-hook": "refused 400 invalid_request",
};

const providers = Object.keys(E.token);
for (const [client, styles, expect, run] of [
  ["simple-oauth2", SO_STYLES, SO_EXPECT, soCase],
  ["openid-client", OC_STYLES, OC_EXPECT, ocCase],
]) {
  for (const p of providers) {
    for (const style of styles) {
      let got;
      try {
        got = await run(p, style);
      } catch (e) {
        got = `harness error ${e.name}: ${e.message}`;
      }
      console.log(JSON.stringify({ client, provider: p, style, expect: expect[`${p} ${style}`] ?? "ok", got }));
    }
  }
}
