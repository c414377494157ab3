// Package mockserver is a fake of the token endpoints of the four providers paytoken
// supports — Money-Go, MoneyKit, Moov and MobiFinance — for tests that need no account and
// no network.
//
// It is shaped like net/http/httptest: [New] starts a server on a loopback port, its URL is
// the base URL of all four providers at once (each token endpoint is on its own documented
// path), and Close shuts it down.
//
//	srv := mockserver.New()
//	t.Cleanup(srv.Close)
//	cfg := moov.Config{
//		ClientID:     mockserver.DemoClientID(mockserver.Moov),
//		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
//		BaseURL:      srv.URL,
//	}
//
// # What it serves
//
//	POST /token              Money-Go      JSON body, credentials in the body, 200
//	POST /auth/token         MoneyKit      form body, Basic or body credentials, 201
//	POST /oauth2/token       Moov          JSON or form (the answer mirrors it, unless Accept
//	                                       prefers JSON), Basic or body, 200
//	POST /v2/oauth/token     MobiFinance   form body with an authorization code, 200
//	     /protected          any method: 200 for Authorization: Bearer <a token the mock issued>
//	     /_mock/...          the control API (see ControlPrefix)
//
// Each provider is also mounted under /{provider} (/moov/oauth2/token, /moov/protected, …);
// see [Server.BaseURL].
//
// Each token endpoint is the provider's generated strict server (gen/<provider>) behind
// request validation against the provider's embedded OpenAPI document: a request the
// document rejects gets the provider's documented 400 error body (MobiFinance: 415
// unsupported_grant_type for a grant_type other than authorization_code), never a Go error
// string. A token path asked with any other method than POST (HEAD and OPTIONS included)
// gets 405 with Allow: POST and that same documented error body. Every token answer, faults
// included, carries Cache-Control: no-store and Pragma: no-cache. A parameter sent twice,
// or one sent in the request URI, is refused with the documented 400 (RFC 6749 §3.2,
// §2.3.1), a body over 64 KiB with 413 Content Too Large and the same body (RFC 9110
// §15.5.14), and every 401 carries WWW-Authenticate: Basic realm="<provider>" (RFC 9110
// §11.6.1). A path the mock does not serve gets a JSON 404
// {"error":"not_found", …}.
//
// # Behaviour
//
// Tokens are 32 random bytes from crypto/rand, hex-encoded (Moov with [WithMoovTokenType]
// "jwt": an HS256 JWT). Each provider has a demo client ([DemoClientID],
// [DemoClientSecret]) unless [WithoutDemoClients]; register more with [WithClient] or
// [Server.AddClient].
//
// Wrong credentials: Money-Go 401 {"error":"invalid_client"} (Money-Go documents no error
// body; the mock answers RFC 6749's), MoneyKit 401 {error_code:"api_error.auth.unauthorized",
// …}, MobiFinance 401 unauthorized_client, Moov {"error":"invalid_client"}: 401 for a Basic
// header (RFC 6749 §5.2 requires it), else 400, the status Moov documents. Basic credentials are accepted as sent and also form-decoded (RFC 6749
// §2.3.1); credentials in both the header and the body must agree.
//
// Lifetimes are the documented ones (Money-Go 30 days, MoneyKit 1 hour, Moov 15 minutes,
// MobiFinance permanent: no expires_in, since RFC 6749 clients read 0 as "expired") unless [WithTokenLifetime] says otherwise.
//
// Moov answers as its documentation page shows ([MoovSeed], the default): token_type
// "opaque" and expires_in in seconds; with [WithMoovAPI]([MoovCurrent]) as its OpenAPI
// document says: token_type "Bearer" and expires_in the Unix time of expiry. Either way it
// answers a refresh token; the refresh_token grant returns a new
// access token and a new refresh token, and by default spends the old refresh token
// (rotation; [WithMoovRefreshTokenReuse] keeps it valid). Scopes are echoed; a refresh may
// narrow them, not widen them (400 invalid_scope).
//
// MobiFinance codes come from [Server.IssueCode]: single-use, bound to the client and the
// redirect_uri, valid 10 minutes. An unknown, expired, replayed or other client's code, or a
// redirect_uri other than the one the code was issued for, gets 403 invalid_grant (RFC 6749
// §5.2 names a redirect mismatch invalid_grant; MobiFinance documents 403 for it). The first
// presentation by its own client spends a code whatever the outcome, and a replay also
// revokes the token the code gave.
//
// The protected endpoint accepts only the Bearer scheme, whatever token_type said: a client
// that sends Moov's "Authorization: opaque …" (golang.org/x/oauth2 does) gets 401, as it would
// from Moov.
//
// # Faults and counts
//
// [Server.InjectFault] makes a provider's token endpoint misbehave, once, a number of times
// or until [Server.ClearFaults]: a status with Retry-After or X-Retry-In, a delay, a dropped
// connection, a malformed, oversized or empty-token body, or a redirect. [Server.Counts]
// tells how many token and protected requests each provider got.
package mockserver
