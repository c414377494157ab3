package mockserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	genmobifinance "github.com/paytoken/paytoken/gen/mobifinance"
	specmobifinance "github.com/paytoken/paytoken/gen/mobifinance/spec"
	genmoneygo "github.com/paytoken/paytoken/gen/moneygo"
	specmoneygo "github.com/paytoken/paytoken/gen/moneygo/spec"
	genmoneykit "github.com/paytoken/paytoken/gen/moneykit"
	specmoneykit "github.com/paytoken/paytoken/gen/moneykit/spec"
	specmoov "github.com/paytoken/paytoken/gen/moov/spec"
)

// routes are the embedded specs' token operations, loaded once per process.
var routes = sync.OnceValues(func() (map[Provider]*routers.Route, error) {
	loaders := map[Provider]func() (*openapi3.T, error){
		MoneyGo:     specmoneygo.GetSpec,
		MoneyKit:    specmoneykit.GetSpec,
		Moov:        specmoov.GetSpec,
		MobiFinance: specmobifinance.GetSpec,
	}
	out := map[Provider]*routers.Route{}
	for p, load := range loaders {
		spec, err := load()
		if err != nil {
			return nil, fmt.Errorf("mockserver: loading the embedded %s spec: %w", p, err)
		}
		item := spec.Paths.Find(p.TokenPath())
		if item == nil || item.Post == nil {
			return nil, fmt.Errorf("mockserver: the embedded %s spec has no POST %s", p, p.TokenPath())
		}
		out[p] = &routers.Route{Spec: spec, Path: p.TokenPath(), PathItem: item, Method: http.MethodPost, Operation: item.Post}
	}
	return out, nil
})

// route is the embedded spec's route of the provider's token operation, for validating
// requests and responses with kin-openapi's openapi3filter (the handler, and the mock's
// own tests through export_test.go).
func route(p Provider) (*routers.Route, error) {
	mustProvider(p)
	rs, err := routes()
	if err != nil {
		return nil, err
	}
	return rs[p], nil
}

// validationOptions: a Basic header passes the basicAuth scheme when it decodes; the
// alternative empty requirement ({}) lets body credentials through. Whether the credentials
// are right is the handler's business (401), not the validator's (400). Defaults are not
// written into the body.
var validationOptions = &openapi3filter.Options{
	SkipSettingDefaults: true,
	// kin-openapi checks no "uri" format of its own: without this, what the spec rejects
	// (MobiFinance's redirect_uri "not a uri") reached the handler, and spent the code.
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uri", uriFormat{})},
	AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		if in.SecurityScheme == nil || in.SecurityScheme.Type != "http" || !strings.EqualFold(in.SecurityScheme.Scheme, "basic") {
			return fmt.Errorf("security scheme %q is not supported by the mock", in.SecuritySchemeName)
		}
		if _, _, ok := basicCreds(in.RequestValidationInput.Request); !ok {
			return errors.New("no usable Basic credentials")
		}
		return nil
	},
}

// basicCreds decodes an Authorization: Basic header (scheme case-insensitive).
func basicCreds(r *http.Request) (id, secret string, ok bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	return id, secret, ok
}

// describe turns a validation error into a short description that never quotes a value
// from the request (it might be a secret).
func describe(err error) string {
	if se, ok := errors.AsType[*openapi3.SchemaError](err); ok {
		where := strings.Join(se.JSONPointer(), ".")
		if where != "" {
			return truncate("request body: "+where+": "+se.Reason, 200)
		}
		return truncate("request body: "+se.Reason, 200)
	}
	if re, ok := errors.AsType[*openapi3filter.RequestError](err); ok {
		if re.Reason != "" {
			return truncate(re.Reason, 200)
		}
		if re.RequestBody != nil {
			return "the request body does not match the spec"
		}
	}
	return "the request does not match the spec"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// grantType reads grant_type from a JSON or form body, whatever else is wrong with it.
func grantType(contentType string, body []byte) (string, bool) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json":
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			return "", false
		}
		g, ok := m["grant_type"].(string)
		return g, ok && g != ""
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return "", false
		}
		g := v.Get("grant_type")
		return g, g != ""
	}
	return "", false
}

func grantSupported(p Provider, g string) bool {
	switch p {
	case MoneyGo, MoneyKit:
		return g == "client_credentials"
	case Moov:
		return g == "client_credentials" || g == "refresh_token"
	case MobiFinance:
		return g == "authorization_code"
	}
	return false
}

// rejection is the provider's documented answer to a request the spec (or the handler)
// refuses before looking at credentials. A grant_type the provider does not support gets
// unsupported_grant_type (MobiFinance: 415, as it documents; the others: 400); anything else
// invalid_request.
func rejection(p Provider, contentType string, body []byte, desc string) responder {
	if g, ok := grantType(contentType, body); ok && !grantSupported(p, g) {
		return unsupportedGrant(p)
	}
	return invalidRequest(p, desc)
}

// responder is any generated strict-server response object.
type responder interface {
	VisitCreateTokenResponse(w http.ResponseWriter) error
}

func invalidRequest(p Provider, desc string) responder {
	switch p {
	case MoneyGo:
		return genmoneygo.CreateToken4XXJSONResponse{StatusCode: 400, Body: oauthError{"invalid_request", desc}}
	case MoneyKit:
		return genmoneykit.CreateToken400JSONResponse{ErrorCode: new("api_error.auth.unauthorized"), ErrorMessage: desc, DocumentationURL: new(docURL)}
	case Moov:
		return moovError("invalid_request")
	default:
		return genmobifinance.CreateToken400JSONResponse{Error: "invalid_request", ErrorDescription: new(desc)}
	}
}

func unsupportedGrant(p Provider) responder {
	const desc = "Unsupported type"
	switch p {
	case MoneyGo:
		return genmoneygo.CreateToken4XXJSONResponse{StatusCode: 400, Body: oauthError{"unsupported_grant_type", desc}}
	case MoneyKit:
		return genmoneykit.CreateToken400JSONResponse{ErrorCode: new("api_error.auth.unauthorized"), ErrorMessage: "Invalid grant_type", DocumentationURL: new(docURL)}
	case Moov:
		return moovError("unsupported_grant_type")
	default:
		return genmobifinance.CreateToken415JSONResponse{Error: "unsupported_grant_type", ErrorDescription: new(desc)}
	}
}

// oauthError is Money-Go's error body: it documents none, so the mock answers in RFC 6749's.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// uriFormat is OpenAPI's "uri" format: an absolute URI, scheme included (RFC 3986 §4.3),
// with nothing RFC 3986 does not allow in one unescaped (spaces, controls, quotes, <>\^`{|}).
type uriFormat struct{}

func (uriFormat) Validate(v string) error {
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"<>\\^`+"`"+`{|}`, r) }) {
		return errors.New("not a URI: characters a URI cannot hold")
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return errors.New("not an absolute URI")
	}
	return nil
}
