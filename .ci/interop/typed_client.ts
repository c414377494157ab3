// A typed TypeScript client generated from specs/ (openapi-typescript types, openapi-fetch
// calls) against `paytoken mock`: a token from every provider, in every body and credential
// form its spec allows, then the token on /protected. tsc --strict checks the calls against
// the generated types; tsx runs it. Prints one JSON line per case, as the other clients do.
import createClient from "openapi-fetch";

import type { paths as MobiFinance } from "./generated/mobifinance";
import type { paths as MoneyGo } from "./generated/moneygo";
import type { paths as MoneyKit } from "./generated/moneykit";
import type { paths as Moov } from "./generated/moov";
// @ts-expect-error common.mjs is plain JavaScript, shared with node_clients.mjs
import { creds, newCode, protectedCall, REDIRECT, refusal } from "./common.mjs";

interface Endpoints {
  mock: string;
  token: Record<string, string>;
  mockOf?: Record<string, string>;
}

const E = JSON.parse(process.env.INTEROP_ENDPOINTS ?? "{}") as Endpoints;
const origin = (p: string): string => new URL(E.token[p] ?? "").origin;
const mockOf = (p: string): string => E.mockOf?.[p] ?? E.mock;

const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" };
const form = (body: unknown): string => new URLSearchParams(body as Record<string, string>).toString();
const basic = (p: string): string => {
  const [id, secret] = creds(p) as [string, string];
  return "Basic " + Buffer.from(`${id}:${secret}`).toString("base64");
};

// What a generated call gives back, reduced to the outcome strings of the case table.
interface Answer {
  data?: { access_token: string; refresh_token?: string } | undefined;
  error?: unknown;
  response: Response;
}

async function outcome(mock: string, provider: string, a: Answer): Promise<string> {
  if (a.error !== undefined) return refusal(a.response.status, a.error) as string;
  if (a.data === undefined) return `client rejects: no body (HTTP ${a.response.status})`;
  return (await protectedCall(mock, a.data.access_token, provider)) as string;
}

type Case = [provider: string, style: string, run: () => Promise<string>];

function cases(): Case[] {
  const out: Case[] = [];
  if (E.token.moneygo) {
    const mg = createClient<MoneyGo>({ baseUrl: origin("moneygo") });
    const [id, secret] = creds("moneygo") as [string, string];
    out.push(["moneygo", "json, body credentials", async () =>
      outcome(E.mock, "moneygo", await mg.POST("/token", {
        body: { grant_type: "client_credentials", client_id: id, client_secret: secret, scope: "api" },
      }))]);
  }
  if (E.token.moneykit) {
    const mk = createClient<MoneyKit>({ baseUrl: origin("moneykit") });
    const [id, secret] = creds("moneykit") as [string, string];
    out.push(["moneykit", "form, Basic", async () =>
      outcome(E.mock, "moneykit", await mk.POST("/auth/token", {
        body: { grant_type: "client_credentials", scope: "accounts:read" },
        bodySerializer: form,
        headers: { ...formHeaders, Authorization: basic("moneykit") },
      }))]);
    out.push(["moneykit", "form, body credentials", async () =>
      outcome(E.mock, "moneykit", await mk.POST("/auth/token", {
        body: { grant_type: "client_credentials", client_id: id, client_secret: secret },
        bodySerializer: form,
        headers: formHeaders,
      }))]);
  }
  for (const p of ["moov", "moov-current"]) {
    if (!E.token[p]) continue;
    const mv = createClient<Moov>({ baseUrl: origin(p) });
    const [id, secret] = creds("moov") as [string, string];
    const refreshed = async (a: Answer): Promise<string> => {
      const first = await outcome(mockOf(p), "moov", a);
      if (first !== "ok" || !a.data?.refresh_token) return first === "ok" ? "no refresh_token" : first;
      return outcome(mockOf(p), "moov", await mv.POST("/oauth2/token", {
        body: { grant_type: "refresh_token", refresh_token: a.data.refresh_token },
        headers: { Authorization: basic("moov") },
      }));
    };
    out.push([p, "json, Basic, then refresh", async () =>
      refreshed(await mv.POST("/oauth2/token", {
        body: { grant_type: "client_credentials", scope: "/accounts.read" },
        headers: { Authorization: basic("moov") },
      }))]);
    out.push([p, "form + Accept: json, body credentials, then refresh", async () =>
      refreshed(await mv.POST("/oauth2/token", {
        body: { grant_type: "client_credentials", client_id: id, client_secret: secret },
        bodySerializer: form,
        headers: { ...formHeaders, Accept: "application/json" },
      }))]);
    out.push([p, "form, Basic, form answer", async () => {
      const a = await mv.POST("/oauth2/token", {
        body: { grant_type: "client_credentials" },
        bodySerializer: form,
        headers: { ...formHeaders, Authorization: basic("moov") },
        parseAs: "text",
      });
      if (a.error !== undefined) return refusal(a.response.status, a.error) as string;
      // parseAs "text": the body is the raw form the spec also allows for a form request.
      const tok = new URLSearchParams(String(a.data ?? "")).get("access_token") ?? "";
      return (await protectedCall(mockOf(p), tok, "moov")) as string;
    }]);
  }
  if (E.token.mobifinance) {
    const mf = createClient<MobiFinance>({ baseUrl: origin("mobifinance") });
    const [id, secret] = creds("mobifinance") as [string, string];
    out.push(["mobifinance", "form, body credentials, code from the control API", async () => {
      const code = (await newCode(E.mock)) as string;
      return outcome(E.mock, "mobifinance", await mf.POST("/v2/oauth/token", {
        body: { grant_type: "authorization_code", client_id: id, client_secret: secret, code, redirect_uri: REDIRECT },
        bodySerializer: form,
        headers: formHeaders,
      }));
    }]);
  }
  return out;
}

for (const [provider, style, run] of cases()) {
  let got: string;
  try {
    got = await run();
  } catch (e) {
    got = `harness error ${(e as Error).name}: ${(e as Error).message}`;
  }
  console.log(JSON.stringify({ client: "openapi-fetch (typed)", provider, style, expect: "ok", got }));
}
