// Compile-time checks on the TypeScript types openapi-typescript generates from specs/.
// Nothing here runs: tsc --strict --noEmit fails when a spec loses a field, a required field
// turns optional, or an enum changes, because these typed values stop fitting.
import type { components as MoneyGo, operations as MoneyGoOps } from "./generated/moneygo";
import type { components as MoneyKit, operations as MoneyKitOps } from "./generated/moneykit";
import type { components as Moov, operations as MoovOps } from "./generated/moov";
import type { components as MobiFinance, operations as MobiFinanceOps } from "./generated/mobifinance";

// Money-Go: JSON body, 200.
export const moneygoRequest: MoneyGoOps["createToken"]["requestBody"]["content"]["application/json"] = {
  grant_type: "client_credentials",
  client_id: "CLIENT_ID",
  client_secret: "CLIENT_SECRET",
  scope: "api",
};
export const moneygoToken: MoneyGo["schemas"]["TokenResponse"] = {
  token_type: "Bearer",
  expires_in: 2592000,
  access_token: "token",
};

// MoneyKit: form body with optional credentials (Basic header instead), 201 and 400/401.
export const moneykitRequest: MoneyKitOps["createToken"]["requestBody"]["content"]["application/x-www-form-urlencoded"] = {
  grant_type: "client_credentials",
};
export const moneykitToken: MoneyKitOps["createToken"]["responses"][201]["content"]["application/json"] = {
  access_token: "52ea3d1b...4f9a53fffb67",
  token_type: "bearer",
  expires_in: 3600,
};
export const moneykitError: MoneyKitOps["createToken"]["responses"][401]["content"]["application/json"] = {
  error_code: "api_error.auth.expired_access_token",
  error_message: "Access token expired",
  documentation_url: "https://docs.moneykit.com/",
};
export const moneykitBadRequest: MoneyKitOps["createToken"]["responses"][400]["content"]["application/json"] = {
  error_code: "api_error.auth.unauthorized",
  error_message: "Accounts access not permitted",
};
export const moneykitFull: MoneyKit["schemas"]["TokenRequest"] = {
  grant_type: "client_credentials",
  scope: "accounts:read",
  client_id: "live_5c739a369515e10fc9e0",
  client_secret: "string",
};

// Moov: JSON and form bodies, both grants, 200 in both media types, 400, 429 with headers.
export const moovRefresh: MoovOps["createToken"]["requestBody"]["content"]["application/x-www-form-urlencoded"] = {
  grant_type: "refresh_token",
  refresh_token: "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
  client_id: "5clTR_MdVrrkgxw2",
  client_secret: "dNC-hg7sVm22jc3g_Eogtyu0_1Mqh_4-",
  scope: "/accounts.write",
};
export const moovToken: MoovOps["createToken"]["responses"][200]["content"]["application/json"] = {
  access_token: "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
  expires_in: 900,
  refresh_token: "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
  scope: "/accounts.write",
  token_type: "opaque",
};
export const moovFormToken: MoovOps["createToken"]["responses"][200]["content"]["application/x-www-form-urlencoded"] = {
  access_token: "a",
  expires_in: 900,
  token_type: "jwt",
};
export const moovBadRequest: MoovOps["createToken"]["responses"][400]["content"]["application/json"] = {
  error: "invalid_request",
};
export const moovRetryAfter: MoovOps["createToken"]["responses"][429]["headers"]["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT";
export const moovRetryIn: MoovOps["createToken"]["responses"][429]["headers"]["X-Retry-In"] = "1500";
export const moovTokenTypes: Moov["schemas"]["TokenResponse"]["token_type"][] = ["opaque", "jwt"];

// MobiFinance: all five form fields required, 200 and five error statuses.
export const mobifinanceRequest: MobiFinance["schemas"]["TokenRequest"] = {
  redirect_uri: "https://miniapp.example.mn/callback",
  client_id: "id",
  client_secret: "secret",
  code: "code",
  grant_type: "authorization_code",
};
export const mobifinanceToken: MobiFinanceOps["createToken"]["responses"][200]["content"]["application/json"] = {
  access_token: "a",
  token_type: "Bearer",
  refresh_token: "r",
  expires_in: 0,
};
type MobiError<S extends 400 | 401 | 403 | 415 | 505> =
  MobiFinanceOps["createToken"]["responses"][S]["content"]["application/json"];
export const mobifinanceErrors: [MobiError<400>, MobiError<401>, MobiError<403>, MobiError<415>, MobiError<505>] = [
  { error: "invalid_request", error_description: "Bad request" },
  { error: "unauthorized_client", error_description: "Invalid client_id or client_secret" },
  { error: "invalid_grant", error_description: "Invalid code" },
  { error: "unsupported_grant_type", error_description: "Unsupported type" },
  { error: "server_error", error_description: "Internal server error" },
];

// The vendors' current official material: Moov's OpenAPI document (token_type Bearer,
// expires_in a Unix time, 422 keyed by field, x-request-id, x-moov-version) and MoneyKit's
// SDKs (an error body with only error_message).
export const moovCurrentToken: MoovOps["createToken"]["responses"][200]["content"]["application/json"] = {
  access_token: "eyJhbGciOiJFZERTQSIsImN0eSI6IkpXVCIsImtpZCI6IkR...",
  expires_in: 1736964352,
  refresh_token: "eyJhbGc0eSI6TQSIsImN0kpXVCIsImtp6IkpXVsImtpZC0a...",
  scope: "/accounts.read /accounts.write",
  token_type: "Bearer",
};
export const moovValidation: MoovOps["createToken"]["responses"][422]["content"]["application/json"] = {
  scope: "is required when grant_type is client_credentials",
};
export const moovRequestID: MoovOps["createToken"]["responses"][504]["headers"]["x-request-id"] = "5a6fbe4e-5d70-4d0e-a2b7-2f7c1f1ac2d4";
export const moovVersion: MoovOps["createToken"]["parameters"]["header"] = { "x-moov-version": "v2025.04.00" };
export const moovAllTokenTypes: Moov["schemas"]["TokenResponse"]["token_type"][] = ["Bearer", "opaque", "jwt"];
export const moneykitMessageOnly: MoneyKitOps["createToken"]["responses"][400]["content"]["application/json"] = {
  error_message: "Invalid grant_type",
};
export const moneykitVersion: MoneyKitOps["createToken"]["parameters"]["header"] = { "MoneyKit-Version": "2023-02-18" };
