// Requests the specs or RFC 6749 forbid, sent twice: through Prism validating requests and
// answers (`prism proxy … --errors`), which says whether the spec rejects the request, and
// through Prism validating only the answer (`--errors --validate-request=false`), which lets
// the request reach the mock and turns any answer off the spec into a 500. The mock must
// refuse each with the provider's documented status and error shape, and with the
// WWW-Authenticate challenge on a 401. Run by run.mjs; one JSON line per case.
import { creds, newCode, REDIRECT, refusal } from "./common.mjs";

const E = JSON.parse(process.env.INTEROP_ENDPOINTS);
// "moov-current" is Moov on the mock answering as Moov's current document does: same spec,
// same refusals.
const family = (p) => p.replace(/-current$/, "");
const mockOf = (p) => E.mockOf?.[p] ?? E.mock;
const json = "application/json";
const formCT = "application/x-www-form-urlencoded";
const big = "a".repeat(64 << 10);
const form = (o) => new URLSearchParams(o).toString();
const basic = (id, secret) => "Basic " + Buffer.from(`${id}:${secret}`).toString("base64");

// cases(p): [name, request, expected refusal, spec verdict]. The verdict is what Prism says
// of the request: "spec rejects" (Prism's own 422 or 405) or "spec allows" (only RFC 6749 or
// the provider forbids it, so the request reaches the mock).
async function cases(name) {
  const p = family(name);
  const [id, secret] = creds(p);
  const code = p === "mobifinance" ? await newCode(E.mock) : "";
  const basicAuth = { Authorization: basic(id, secret) };
  // A request each provider would answer with a token, to break one way at a time.
  const good = {
    moneygo: { grant_type: "client_credentials", client_id: id, client_secret: secret, scope: "api" },
    moneykit: { grant_type: "client_credentials" },
    moov: { grant_type: "client_credentials" },
    mobifinance: { grant_type: "authorization_code", client_id: id, client_secret: secret, code, redirect_uri: REDIRECT },
  }[p];
  const ct = p === "moneygo" ? json : formCT;
  const enc = (o) => (ct === json ? JSON.stringify(o) : form(o));
  const hdrs = p === "moneykit" || p === "moov" ? basicAuth : {};
  const without = (k) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== k));
  const repeated = ct === json
    ? JSON.stringify(good).replace("{", '{"grant_type":"' + good.grant_type + '",')
    : `grant_type=${good.grant_type}&` + form(good);
  const badRequest = {
    moneygo: "refused 400 invalid_request",
    moneykit: "refused 400 api_error.auth.unauthorized",
    moov: "refused 400 invalid_request",
    mobifinance: "refused 400 invalid_request",
  }[p];
  const badGrant = {
    moneygo: "refused 400 unsupported_grant_type",
    moneykit: "refused 400 api_error.auth.unauthorized",
    moov: "refused 400 unsupported_grant_type",
    mobifinance: "refused 415 unsupported_grant_type",
  }[p];
  const tooLarge = badRequest.replace("400", "413");
  const out = [
    ["missing grant_type", { ct, body: enc(without("grant_type")), headers: hdrs }, badRequest, "spec rejects"],
    ["empty grant_type (RFC 6749 §3.2: as if omitted)", { ct, body: enc({ ...good, grant_type: "" }), headers: hdrs }, badRequest, "spec rejects"],
    ["unknown grant_type password", { ct, body: enc({ ...good, grant_type: "password" }), headers: hdrs }, badGrant, "spec rejects"],
    ["text/plain body", { ct: "text/plain", body: form(good), headers: hdrs }, badRequest, "spec rejects"],
    ["no body", { ct, body: "", headers: hdrs }, badRequest, "spec rejects"],
    // Prism parses and re-encodes a JSON body, keeping one of the repeated members: a JSON
    // repeat is sent to the mock directly (its Go tests check that answer against the spec).
    ["grant_type twice (RFC 6749 §3.2)", { ct, body: repeated, headers: hdrs, direct: ct === json }, badRequest, "spec allows"],
    ["body over 64 KiB (RFC 9110 §15.5.14)", { ct, body: enc({ ...good, scope: big }), headers: hdrs }, tooLarge, "spec allows"],
  ];
  // RFC 6749 §2.3.1: credentials never in the request URI (§3.2: parameters in the body).
  out.push(["client_secret in the query (RFC 6749 §2.3.1)", { ct, body: enc(good), headers: {}, query: `?client_secret=${secret}` }, badRequest, "spec allows"]);
  if (p === "moneygo") {
    out.push(["form body (JSON only)", { ct: formCT, body: form(good), headers: {} }, badRequest, "spec rejects"]);
    out.push(["missing client_secret", { ct, body: enc(without("client_secret")), headers: {} }, badRequest, "spec rejects"]);
    out.push(["wrong client_secret", { ct, body: enc({ ...good, client_secret: "wrong" }), headers: {} }, "refused 401 invalid_client +challenge", "spec allows"]);
  }
  if (p === "moneykit") {
    out.push(["JSON body (form only)", { ct: json, body: JSON.stringify(good), headers: hdrs }, badRequest, "spec rejects"]);
    out.push(["wrong Basic secret", { ct, body: enc(good), headers: { Authorization: basic(id, "wrong") } }, "refused 401 api_error.auth.unauthorized +challenge", "spec allows"]);
    out.push(["no credentials", { ct, body: enc(good), headers: {} }, "refused 401 api_error.auth.unauthorized +challenge", "spec allows"]);
  }
  if (p === "moov") {
    out.push(["JSON grant_type twice (RFC 6749 §3.2)", { ct: json, body: '{"grant_type":"client_credentials","grant_type":"client_credentials"}', headers: hdrs, direct: true }, badRequest, "spec allows"]);
    out.push(["wrong Basic secret (RFC 6749 §5.2: 401)", { ct, body: enc(good), headers: { Authorization: basic(id, "wrong") } }, "refused 401 invalid_client +challenge", "spec allows"]);
    out.push(["wrong secret in the body", { ct, body: enc({ ...good, client_id: id, client_secret: "wrong" }), headers: {} }, "refused 400 invalid_client", "spec allows"]);
    out.push(["refresh_token over 4096 bytes", { ct, body: enc({ grant_type: "refresh_token", refresh_token: "r".repeat(4097) }), headers: hdrs }, badRequest, "spec rejects"]);
    out.push(["unknown refresh_token", { ct, body: enc({ grant_type: "refresh_token", refresh_token: "nope" }), headers: hdrs }, "refused 400 invalid_grant", "spec allows"]);
  }
  if (p === "mobifinance") {
    out.push(["JSON body (form only)", { ct: json, body: JSON.stringify(good), headers: {} }, badRequest, "spec rejects"]);
    out.push(["credentials in Basic (body only)", { ct, body: form(without("client_secret")), headers: basicAuth }, badRequest, "spec rejects"]);
    out.push(["wrong client_secret", { ct, body: enc({ ...good, client_secret: "wrong" }), headers: {} }, "refused 401 unauthorized_client +challenge", "spec allows"]);
    out.push(["unknown code", { ct, body: enc({ ...good, code: "nope" }), headers: {} }, "refused 403 invalid_grant", "spec allows"]);
    out.push(["redirect_uri not a URI", { ct, body: enc({ ...good, redirect_uri: "not a uri" }), headers: {} }, badRequest, "spec rejects"]);
  }
  out.push(["GET", { method: "GET", headers: {} }, badRequest.replace("400", "405") + " Allow: POST", "spec rejects"]);
  return out;
}

async function send(base, path, req) {
  const res = await fetch(base + path + (req.query ?? ""), {
    method: req.method ?? "POST",
    headers: { ...(req.ct ? { "Content-Type": req.ct } : {}), ...req.headers },
    body: req.method === "GET" ? undefined : req.body,
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { res, body, text };
}

// The mock's answer as an outcome string; a Prism VIOLATIONS 500 says which rule broke.
function describe({ res, body }, name) {
  const p = family(name);
  if (res.headers.get("content-type")?.startsWith("application/problem+json")) {
    const v = (body?.validation ?? []).map((x) => `${x.location.join(".")}: ${x.message}`).join("; ");
    return `prism ${res.status} ${body?.title ?? ""}${v ? ": " + v : ""}`;
  }
  let s = refusal(res.status, body);
  if (res.status === 401) {
    const challenge = res.headers.get("www-authenticate");
    s += challenge === `Basic realm="${p}", charset="UTF-8"` ? " +challenge" : ` (WWW-Authenticate: ${challenge})`;
  }
  if (res.status === 405) s += ` Allow: ${res.headers.get("allow")}`;
  if (res.headers.get("cache-control") !== "no-store") s += " (no Cache-Control: no-store)";
  return s;
}

for (const p of Object.keys(E.strict)) {
  const path = new URL(E.token[p]).pathname;
  for (const [name, req, expect, verdict] of await cases(p)) {
    let got;
    try {
      const strict = await send(E.strict[p], path, req);
      const isPrism = strict.res.headers.get("content-type")?.startsWith("application/problem+json") &&
        [422, 405].includes(strict.res.status);
      // GET has no operation in the spec: Prism answers 405 itself, so the mock is asked directly.
      const answer = await send(req.method === "GET" || req.direct ? mockOf(p) : E.answers[p], path, req);
      got = `${describe(answer, p)} | ${isPrism ? "spec rejects" : "spec allows"}`;
    } catch (e) {
      got = `harness error ${e.name}: ${e.message}`;
    }
    console.log(JSON.stringify({ client: "prism + raw HTTP", provider: p, style: name, expect: `${expect} | ${verdict}`, got }));
  }
}
