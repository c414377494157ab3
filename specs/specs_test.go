package specs_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	mobifinancespec "github.com/paytoken/paytoken/gen/mobifinance/spec"
	moneygospec "github.com/paytoken/paytoken/gen/moneygo/spec"
	moneykitspec "github.com/paytoken/paytoken/gen/moneykit/spec"
	moovspec "github.com/paytoken/paytoken/gen/moov/spec"
)

// field is what a spec says about one property: enough to notice a lost or changed field.
type field struct {
	Type      string
	Format    string
	Required  bool
	Enum      []string
	MaxLength uint64
}

// fields reads the properties of an object schema.
func fields(t *testing.T, ref *openapi3.SchemaRef) map[string]field {
	t.Helper()
	require.NotNil(t, ref)
	s := ref.Value
	require.NotNil(t, s)
	require.True(t, s.Type.Is("object"), "schema type %v", s.Type)
	got := map[string]field{}
	for name, p := range s.Properties {
		f := field{Format: p.Value.Format, Required: slices.Contains(s.Required, name)}
		if p.Value.Type != nil {
			f.Type = p.Value.Type.Slice()[0]
		}
		for _, e := range p.Value.Enum {
			f.Enum = append(f.Enum, e.(string))
		}
		if p.Value.MaxLength != nil {
			f.MaxLength = *p.Value.MaxLength
		}
		got[name] = f
	}
	for _, name := range s.Required {
		require.Contains(t, s.Properties, name, "required property is not declared")
	}
	return got
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	str      = field{Type: "string"}
	reqStr   = field{Type: "string", Required: true}
	anyJSON  = map[string]field{} // an undocumented body: checked separately
	basicSec = openapi3.SecurityRequirements{{"basicAuth": {}}, {}}
)

// clientCredentials is the request of a client_credentials grant alone (RFC 6749 §4.4),
// client_id, client_secret and scope each of kind f.
func clientCredentials(f field) map[string]field {
	return map[string]field{
		"grant_type":    {Type: "string", Required: true, Enum: []string{"client_credentials"}},
		"client_id":     f,
		"client_secret": f,
		"scope":         f,
	}
}

// spec is what each document must say: the facts of the vendors' documents, which each
// spec names in its info.description. A spec that loses or changes any of them fails
// here, generated code or not.
type spec struct {
	file        string
	servers     []string
	path        string
	security    openapi3.SecurityRequirements // nil: none (body credentials)
	requestType []string
	request     map[string]field
	responses   map[string]map[string]field // status -> JSON body fields
	success     string
	embedded    func() (*openapi3.T, error)
}

var specs = []spec{
	{
		file:        "moneygo.yaml",
		servers:     []string{"https://api.money-go.com", "https://api.money-go-test.com"},
		path:        "/token",
		requestType: []string{"application/json"},
		request:     clientCredentials(reqStr),
		success:     "200",
		responses: map[string]map[string]field{
			"200": {
				"token_type":   reqStr, // a plain string: "Typically, this value is "Bearer"."
				"expires_in":   {Type: "number", Format: "double", Required: true},
				"access_token": reqStr,
			},
			"4XX": anyJSON,
			"5XX": anyJSON,
		},
		embedded: moneygospec.GetSpec,
	},
	{
		file:        "moneykit.yaml",
		servers:     []string{"https://api.moneykit.com"},
		path:        "/auth/token",
		security:    basicSec,
		requestType: []string{"application/x-www-form-urlencoded"},
		request:     clientCredentials(str),
		success:     "201",
		responses: map[string]map[string]field{
			"201": {
				"access_token": reqStr,
				"token_type":   reqStr, // "Always "bearer"", a plain string
				"expires_in":   {Type: "integer", Required: true},
			},
			// error_code is an open string: codes beyond the one documented must parse. Only
			// error_message is required (MoneyKit's OpenAPI document, its SDKs' models).
			"400": {"error_code": str, "error_message": reqStr, "documentation_url": str},
			"401": {"error_code": str, "error_message": reqStr, "documentation_url": str},
			"413": {"error_code": str, "error_message": reqStr, "documentation_url": str},
		},
		embedded: moneykitspec.GetSpec,
	},
	{
		file:        "moov.yaml",
		servers:     []string{"https://api.moov.io"},
		path:        "/oauth2/token",
		security:    basicSec,
		requestType: []string{"application/json", "application/x-www-form-urlencoded"},
		request: map[string]field{
			"grant_type":    {Type: "string", Required: true, Enum: []string{"client_credentials", "refresh_token"}},
			"client_id":     str,
			"client_secret": str,
			"refresh_token": {Type: "string", MaxLength: 4096},
			"scope":         str,
		},
		success: "200",
		responses: map[string]map[string]field{
			"200": {
				"access_token":  {Type: "string", Required: true, MaxLength: 4096},
				"expires_in":    {Type: "integer", Format: "int32", Required: true},
				"refresh_token": {Type: "string", MaxLength: 4096},
				"scope":         str,
				// Bearer from Moov's OpenAPI document, opaque and jwt from its documentation page.
				"token_type": {Type: "string", Required: true, Enum: []string{"Bearer", "opaque", "jwt"}},
			},
			"400": {"error": reqStr},
			"401": {"error": reqStr},
			"413": {"error": reqStr},
			// Keyed by the fields that failed validation; no error key.
			"422": {"scope": str, "refresh_token": str},
			"429": anyJSON,
			"500": anyJSON,
			"504": anyJSON,
		},
		embedded: moovspec.GetSpec,
	},
	{
		file:        "mobifinance.yaml",
		servers:     []string{"https://z-wallet.monpay.mn"},
		path:        "/v2/oauth/token",
		requestType: []string{"application/x-www-form-urlencoded"},
		request: map[string]field{
			"redirect_uri":  {Type: "string", Format: "uri", Required: true},
			"client_id":     reqStr,
			"client_secret": reqStr,
			"code":          reqStr,
			"grant_type":    {Type: "string", Required: true, Enum: []string{"authorization_code"}},
		},
		success: "200",
		responses: map[string]map[string]field{
			"200": {
				"access_token":  reqStr,
				"token_type":    reqStr, // "Token type. (Bearer)", a plain string
				"refresh_token": str,
				"expires_in":    {Type: "integer"},
			},
			"400": {"error": reqStr, "error_description": str},
			"401": {"error": reqStr, "error_description": str},
			"403": {"error": reqStr, "error_description": str},
			"413": {"error": reqStr, "error_description": str},
			"415": {"error": reqStr, "error_description": str},
			"505": {"error": reqStr, "error_description": str},
		},
		embedded: mobifinancespec.GetSpec,
	},
}

func load(t *testing.T, file string) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(file)
	require.NoError(t, err)
	return doc
}

// TestSpecsValidate loads every document with kin-openapi and validates it, examples included.
func TestSpecsValidate(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	var docs []string
	for _, f := range files {
		if f != "redocly.yaml" {
			docs = append(docs, f)
		}
	}
	require.ElementsMatch(t, []string{"moneygo.yaml", "moneykit.yaml", "moov.yaml", "mobifinance.yaml"}, docs,
		"every document in specs/ must be covered by these tests")
	for _, f := range docs {
		t.Run(f, func(t *testing.T) {
			doc := load(t, f)
			require.NoError(t, doc.Validate(t.Context(), openapi3.EnableExamplesValidation()))
			assert.Equal(t, "3.0.3", doc.OpenAPI)
			require.NotNil(t, doc.Info.Contact)
			assert.NotEmpty(t, doc.Info.Contact.URL)
			require.NotNil(t, doc.Info.License)
			assert.NotEmpty(t, doc.Info.License.URL)
			require.Equal(t, 1, doc.Paths.Len(), "one endpoint per file")
		})
	}
}

// TestSpecsEmbedded checks that the spec embedded in each generated package (GetSpec) is the
// file in specs/: a stale gen/ fails here even before the drift check of .ci/run.
func TestSpecsEmbedded(t *testing.T) {
	for _, s := range specs {
		t.Run(s.file, func(t *testing.T) {
			file := load(t, s.file)
			embedded, err := s.embedded()
			require.NoError(t, err)
			want, err := json.Marshal(file)
			require.NoError(t, err)
			got, err := json.Marshal(embedded)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

// TestSpecsFacts checks every documented fact: servers, path, operation, credentials, media
// types, each request and response field with its type, format, enum, length and whether it
// is required, and the set of documented statuses.
func TestSpecsFacts(t *testing.T) {
	for _, s := range specs {
		t.Run(s.file, func(t *testing.T) {
			doc := load(t, s.file)

			var servers []string
			for _, srv := range doc.Servers {
				servers = append(servers, srv.URL)
			}
			assert.Equal(t, s.servers, servers)

			require.Equal(t, []string{s.path}, keys(doc.Paths.Map()))
			item := doc.Paths.Value(s.path)
			require.Len(t, item.Operations(), 1)
			op := item.Post
			require.NotNil(t, op, "POST %s", s.path)
			assert.Equal(t, "createToken", op.OperationID)
			assert.Equal(t, []string{"token"}, op.Tags)
			assert.NotEmpty(t, op.Summary)
			assert.NotEmpty(t, op.Description)

			// Credentials: a Basic scheme that may be left out (body credentials instead), or
			// none at all where the credentials only travel in the body.
			if s.security == nil {
				assert.Equal(t, openapi3.SecurityRequirements{}, doc.Security)
				assert.Nil(t, op.Security)
				assert.Empty(t, doc.Components.SecuritySchemes)
			} else {
				assert.Equal(t, s.security, doc.Security)
				require.NotNil(t, op.Security)
				assert.Equal(t, s.security, *op.Security)
				basic := doc.Components.SecuritySchemes["basicAuth"]
				require.NotNil(t, basic)
				assert.Equal(t, "http", basic.Value.Type)
				assert.Equal(t, "basic", basic.Value.Scheme)
			}

			require.NotNil(t, op.RequestBody)
			body := op.RequestBody.Value
			assert.True(t, body.Required)
			assert.Equal(t, s.requestType, keys(body.Content))
			for _, mt := range s.requestType {
				assert.Equal(t, s.request, fields(t, body.Content[mt].Schema), "request body %s", mt)
			}

			assert.Equal(t, keys(s.responses), keys(op.Responses.Map()), "documented statuses")
			for status, want := range s.responses {
				r := op.Responses.Value(status)
				require.NotNil(t, r, status)
				assert.NotEmpty(t, *r.Value.Description, status)
				assert.Empty(t, r.Ref, "status %s: responses are written inline, not shared", status)
				mediaTypes := []string{"application/json"}
				if s.file == "moov.yaml" && status == "200" {
					// "The type of response returned here will mirror the type of the request."
					mediaTypes = s.requestType
				}
				assert.Equal(t, mediaTypes, keys(r.Value.Content), status)
				for _, mt := range mediaTypes {
					schema := r.Value.Content[mt].Schema
					if len(want) == 0 {
						// Undocumented bodies are free-form.
						v := schema.Value
						assert.Empty(t, v.Properties, status)
						assert.Empty(t, v.Required, status)
						continue
					}
					assert.Equal(t, want, fields(t, schema), "status %s %s", status, mt)
				}
			}
		})
	}
}

// TestSpecsMoneyGoErrorsAnyJSON: Money-Go's error bodies are undocumented, so they accept any
// JSON value, not only objects.
func TestSpecsMoneyGoErrorsAnyJSON(t *testing.T) {
	doc := load(t, "moneygo.yaml")
	op := doc.Paths.Value("/token").Post
	for _, status := range []string{"4XX", "5XX"} {
		s := op.Responses.Value(status).Value.Content["application/json"].Schema.Value
		assert.Nil(t, s.Type, status)
		for _, v := range []any{"text", 1.0, map[string]any{"error": "invalid_client"}, []any{}} {
			assert.NoError(t, s.VisitJSON(v), "%s: %v", status, v)
		}
	}
}

// TestSpecsMoovRateLimitHeaders: Retry-After may be seconds or an HTTP-date, so it is a
// string; X-Retry-In (milliseconds) is Moov's older header.
func TestSpecsMoovRateLimitHeaders(t *testing.T) {
	doc := load(t, "moov.yaml")
	r := doc.Paths.Value("/oauth2/token").Post.Responses.Value("429").Value
	assert.Equal(t, []string{"Retry-After", "X-Retry-In", "x-request-id"}, keys(r.Headers))
	for _, name := range []string{"Retry-After", "X-Retry-In"} {
		h := r.Headers[name]
		assert.Equal(t, []string{"string"}, h.Value.Schema.Value.Type.Slice(), name)
		assert.False(t, h.Value.Required, name)
	}
	assert.Contains(t, r.Headers["Retry-After"].Value.Description, "HTTP-date")
	assert.Contains(t, r.Headers["X-Retry-In"].Value.Description, "milliseconds")

	free := r.Content["application/json"].Schema.Value
	assert.NoError(t, free.VisitJSON(map[string]any{"error": "rate_limited"}))
}

// TestSpecsMoneyKitErrorCodeOpen: error_code is optional and open: the documented
// api_error.auth.unauthorized and codes beyond it (api_error.auth.expired_access_token,
// api_error.rate_limit_exceeded) validate.
func TestSpecsMoneyKitErrorCodeOpen(t *testing.T) {
	doc := load(t, "moneykit.yaml")
	op := doc.Paths.Value("/auth/token").Post
	for _, status := range []string{"400", "401"} {
		s := op.Responses.Value(status).Value.Content["application/json"].Schema.Value
		code := s.Properties["error_code"].Value
		// No declared default: generators (openapi-typescript) would make the field required.
		assert.Nil(t, code.Default, status)
		assert.Contains(t, code.Description, "api_error.auth.unauthorized", status)
		assert.Empty(t, code.Enum, status)
		for _, c := range []string{"api_error.auth.unauthorized", "api_error.auth.expired_access_token", "api_error.rate_limit_exceeded"} {
			assert.NoError(t, s.VisitJSON(map[string]any{"error_code": c, "error_message": "m"}), "%s %s", status, c)
		}
	}
}
