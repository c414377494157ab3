// What every Node-side case shares: the demo clients, MobiFinance codes from the mock's
// control API, the protected-endpoint check and the way a refusal is written.

export const REDIRECT = "https://miniapp.example.mn/callback";

// The scope each client_credentials request asks for (MobiFinance has none).
export const SCOPE = { moneygo: "api", moneykit: "accounts:read", moov: "/accounts.read" };

export const creds = (p) => [`demo-${p}`, `demo-${p}-secret`];

// newCode asks the mock's control API for a MobiFinance code, as MonPay would give one.
export async function newCode(mock) {
  const res = await fetch(`${mock}/_mock/mobifinance/codes`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_id: "demo-mobifinance", redirect_uri: REDIRECT }),
  });
  if (res.status !== 201) throw new Error(`control API: HTTP ${res.status}`);
  return (await res.json()).code;
}

// protectedCall: "ok" when the mock's /protected takes the token as one of provider's.
export async function protectedCall(mock, token, provider) {
  if (!token) return "client rejects: no access_token";
  const res = await fetch(`${mock}/protected`, { headers: { Authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (res.status !== 200) return `protected ${res.status} ${res.headers.get("www-authenticate")}`;
  return body.provider === provider ? "ok" : `protected: a token of ${body.provider}`;
}

// refusal: "refused <status> <error>", the error code in each provider's shape.
export function refusal(status, body) {
  const code = (body && typeof body === "object" && (body.error ?? body.error_code)) || "?";
  return `refused ${status} ${code}`;
}
