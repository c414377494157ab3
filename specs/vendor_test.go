package specs_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The facts of the vendors' current official material, each checked against the loaded spec:
// Moov's OpenAPI document (moovfinancial/moov-api-public, latest/openapi.yaml, operation
// createAccessToken), MoneyKit's official SDKs (generated from its OpenAPI document) and
// MonPay's developer portal. A spec that loses one of them fails here.

func operation(t *testing.T, doc *openapi3.T) *openapi3.Operation {
	t.Helper()
	require.Equal(t, 1, doc.Paths.Len())
	for _, item := range doc.Paths.Map() {
		require.NotNil(t, item.Post)
		return item.Post
	}
	panic("unreachable")
}

func response(t *testing.T, op *openapi3.Operation, status string) *openapi3.Response {
	t.Helper()
	r := op.Responses.Value(status)
	require.NotNil(t, r, "status %s is documented", status)
	return r.Value
}

func bodySchema(t *testing.T, op *openapi3.Operation, status string) *openapi3.Schema {
	t.Helper()
	mt := response(t, op, status).Content.Get("application/json")
	require.NotNil(t, mt, "status %s has a JSON body", status)
	return mt.Schema.Value
}

func headerParam(op *openapi3.Operation, name string) *openapi3.Parameter {
	for _, p := range op.Parameters {
		if p.Value.In == openapi3.ParameterInHeader && strings.EqualFold(p.Value.Name, name) {
			return p.Value
		}
	}
	return nil
}

func TestSpecsVendorFacts(t *testing.T) {
	moov := load(t, "moov.yaml")
	moneykit := load(t, "moneykit.yaml")
	mobifinance := load(t, "mobifinance.yaml")
	moneygo := load(t, "moneygo.yaml")
	moovOp, moneykitOp := operation(t, moov), operation(t, moneykit)

	facts := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"moov token_type is Bearer (OpenAPI document) or opaque/jwt (documentation page)", func(t *testing.T) {
			tt := moov.Components.Schemas["TokenResponse"].Value.Properties["token_type"].Value
			assert.ElementsMatch(t, []any{"Bearer", "opaque", "jwt"}, tt.Enum)
		}},
		{"moov expires_in is seconds or the Unix time of expiry, split at 1577836800", func(t *testing.T) {
			ei := moov.Components.Schemas["TokenResponse"].Value.Properties["expires_in"].Value
			assert.True(t, ei.Type.Is("integer"))
			assert.Equal(t, "int32", ei.Format)
			assert.Contains(t, ei.Description, "Unix timestamp indicating when this token expires")
			assert.Contains(t, ei.Description, "number of seconds")
			assert.Contains(t, ei.Description, "1577836800")
		}},
		{"moov documents 200, 400, 422, 429, 500 and 504 (and the RFC statuses 401, 413)", func(t *testing.T) {
			for _, status := range []string{"200", "400", "401", "413", "422", "429", "500", "504"} {
				response(t, moovOp, status)
			}
		}},
		{"moov 422 is keyed by field, with no error key", func(t *testing.T) {
			s := bodySchema(t, moovOp, "422")
			assert.NotContains(t, s.Properties, "error")
			assert.Empty(t, s.Required)
			assert.Contains(t, s.Properties, "scope")
			assert.Contains(t, s.Properties, "refresh_token")
			assert.NoError(t, s.VisitJSON(map[string]any{"scope": "is required when grant_type is client_credentials"}))
		}},
		{"moov x-request-id (uuid) on every answer, optional since the documentation page has none", func(t *testing.T) {
			for status, r := range moovOp.Responses.Map() {
				h := r.Value.Headers["x-request-id"]
				require.NotNil(t, h, "status %s", status)
				assert.False(t, h.Value.Required, "status %s", status)
				assert.True(t, h.Value.Schema.Value.Type.Is("string"), "status %s", status)
				assert.Equal(t, "uuid", h.Value.Schema.Value.Format, "status %s", status)
			}
		}},
		{"moov x-moov-version is an optional request header, default v2024.01.00", func(t *testing.T) {
			p := headerParam(moovOp, "x-moov-version")
			require.NotNil(t, p)
			assert.Equal(t, "x-moov-version", p.Name)
			assert.False(t, p.Required)
			s := p.Schema.Value
			assert.True(t, s.Type.Is("string"))
			assert.Equal(t, "v2024.01.00", s.Default)
			for _, v := range []string{"v2024.01.00", "v2025.04.00", "latest"} {
				assert.NoError(t, s.VisitJSON(v), v)
			}
			for _, v := range []string{"", "2024.01.00", "v2024.1.0", "v2024.01.00\r\nx: y", "LATEST"} {
				assert.Error(t, s.VisitJSON(v), "%q", v)
			}
		}},
		{"moov answers of both sources validate", func(t *testing.T) {
			s := bodySchema(t, moovOp, "200")
			// Moov's documentation page.
			assert.NoError(t, s.VisitJSON(map[string]any{
				"access_token": "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...", "expires_in": 900.0,
				"refresh_token": "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...", "scope": "/accounts.write",
				"token_type": "opaque",
			}))
			// Moov's OpenAPI document.
			assert.NoError(t, s.VisitJSON(map[string]any{
				"access_token": "eyJhbGciOiJFZERTQSIsImN0eSI6IkpXVCIsImtpZCI6IkR...", "expires_in": 1736964352.0,
				"refresh_token": "eyJhbGc0eSI6TQSIsImN0kpXVCIsImtp6IkpXVsImtpZC0a...",
				"scope":         "/accounts.read /accounts.write", "token_type": "Bearer",
			}))
			assert.Error(t, s.VisitJSON(map[string]any{"access_token": "a", "expires_in": 900.0, "token_type": "bearer"}),
				"the enum is exact: Moov sends Bearer")
		}},
		{"moneykit error body requires only error_message", func(t *testing.T) {
			for _, status := range []string{"400", "401", "413"} {
				s := bodySchema(t, moneykitOp, status)
				assert.Equal(t, []string{"error_message"}, s.Required, status)
				assert.NotContains(t, s.Required, "error_code", status)
				assert.NoError(t, s.VisitJSON(map[string]any{"error_message": "Invalid grant_type"}), status)
				assert.Error(t, s.VisitJSON(map[string]any{"error_code": "api_error.auth.unauthorized"}), status)
			}
		}},
		{"moneykit token fields are all required", func(t *testing.T) {
			assert.ElementsMatch(t, []string{"access_token", "token_type", "expires_in"},
				moneykit.Components.Schemas["TokenResponse"].Value.Required)
		}},
		{"moneykit MoneyKit-Version is an optional request header", func(t *testing.T) {
			p := headerParam(moneykitOp, "MoneyKit-Version")
			require.NotNil(t, p)
			assert.False(t, p.Required)
			assert.Equal(t, "2023-02-18", p.Schema.Value.Example)
		}},
		{"mobifinance token endpoint is https://z-wallet.monpay.mn/v2/oauth/token", func(t *testing.T) {
			require.Len(t, mobifinance.Servers, 1)
			var path string
			for p := range mobifinance.Paths.Map() {
				path = p
			}
			assert.Equal(t, "https://z-wallet.monpay.mn/v2/oauth/token", mobifinance.Servers[0].URL+path)
			assert.NotContains(t, mobifinance.Servers[0].Description, "names no URL")
		}},
	}
	for _, f := range facts {
		t.Run(f.name, f.check)
	}

	// Every spec names its sources, by repository and file or by URL.
	sources := map[string]struct {
		doc   *openapi3.T
		names []string
	}{
		"moov.yaml": {moov, []string{
			"moovfinancial/moov-api-public", "latest/openapi.yaml", "createAccessToken",
			"https://docs.moov.io/api/authentication/access-tokens/",
		}},
		"moneykit.yaml": {moneykit, []string{
			"moneykit/moneykit-python", "moneykit/models/api_error_auth_unauthorized_response.py",
			"moneykit/moneykit-ruby", "moneykit-node", "https://docs.moneykit.com/api/operation/generate_access_token",
		}},
		"mobifinance.yaml": {mobifinance, []string{
			"https://developers.monpay.mn/en/guide/mini-app/access-token", "https://z-wallet.monpay.mn/v2/oauth/token",
		}},
		"moneygo.yaml": {moneygo, []string{"https://docs.money-go.com/endpoints/authorization/"}},
	}
	for file, s := range sources {
		t.Run(file+" names its sources", func(t *testing.T) {
			d := s.doc.Info.Description
			assert.Contains(t, d, "Sources")
			for _, n := range s.names {
				assert.Contains(t, d, n)
			}
			// Sources outside the repository are the vendors' own, never a project
			// document kept beside the repository (a design page, the seed documents'
			// folder, a relative path out of it). The design page's name is spelled in
			// two parts so that this check is not itself such a citation.
			for _, bad := range []string{"vendor-docs", "DESIGN" + ".md", "../"} {
				assert.NotContains(t, d, bad)
			}
		})
	}
}
