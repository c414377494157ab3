package specs_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/mobifinance"
	"github.com/paytoken/paytoken/gen/moneygo"
	"github.com/paytoken/paytoken/gen/moneykit"
	"github.com/paytoken/paytoken/gen/moov"
)

// What the tests of each spec send: credentials, a generated client of a test server, and the
// one token request each spec's answers are parsed from.

const (
	moneykitID     = "live_5c739a369515e10fc9e0"
	moneykitSecret = "s3cr3t/with+odd=chars&"

	moovID      = "5clTR_MdVrrkgxw2"
	moovSecret  = "dNC-hg7sVm22jc3g_Eogtyu0_1Mqh_4-"
	moovRefresh = "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6..."
)

var moneygoRequest = moneygo.CreateTokenJSONRequestBody{
	GrantType:    moneygo.TokenRequestGrantTypeClientCredentials,
	ClientID:     "CLIENT_ID",
	ClientSecret: "CLIENT_SECRET",
	Scope:        "api",
}

var mobifinanceRequest = mobifinance.CreateTokenFormdataRequestBody{
	RedirectURI:  "https://miniapp.example.mn/callback?x=1",
	ClientID:     "ClientID given by MobiFinance",
	ClientSecret: "ClientSecret given by MobiFinance",
	Code:         "4/0AX4XfWh-code",
	GrantType:    mobifinance.TokenRequestGrantTypeAuthorizationCode,
}

// newClient builds a generated client of srv with newC, one gen package's NewClient or
// NewClientWithResponses, and that package's WithHTTPClient.
func newClient[C, Opt, Doer any](t *testing.T, srv *httptest.Server, newC func(string, ...Opt) (C, error), withHTTPClient func(Doer) Opt) C {
	t.Helper()
	doer, ok := any(srv.Client()).(Doer)
	require.True(t, ok, "%T is no %T", srv.Client(), doer)
	c, err := newC(srv.URL, withHTTPClient(doer))
	require.NoError(t, err)
	return c
}

func moneygoClient(t *testing.T, srv *httptest.Server) *moneygo.ClientWithResponses {
	return newClient(t, srv, moneygo.NewClientWithResponses, moneygo.WithHTTPClient)
}

func moneykitClient(t *testing.T, srv *httptest.Server) *moneykit.ClientWithResponses {
	return newClient(t, srv, moneykit.NewClientWithResponses, moneykit.WithHTTPClient)
}

func moovClient(t *testing.T, srv *httptest.Server) *moov.Client {
	return newClient(t, srv, moov.NewClient, moov.WithHTTPClient)
}

func mobifinanceClient(t *testing.T, srv *httptest.Server) *mobifinance.ClientWithResponses {
	return newClient(t, srv, mobifinance.NewClientWithResponses, mobifinance.WithHTTPClient)
}

// The token request of each spec, sent to srv: moneygoRequest, mobifinanceRequest, and a
// client_credentials grant to MoneyKit (Basic header) and Moov.

func moneygoToken(t *testing.T, srv *httptest.Server) (*moneygo.CreateTokenResponse, error) {
	return moneygoClient(t, srv).CreateTokenWithResponse(ctx(t), moneygoRequest)
}

func moneykitToken(t *testing.T, srv *httptest.Server) (*moneykit.CreateTokenResponse, error) {
	return moneykitClient(t, srv).CreateTokenWithFormdataBodyWithResponse(ctx(t), nil,
		moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials},
		basicAuth(moneykitID, moneykitSecret))
}

func moovToken(t *testing.T, srv *httptest.Server) (*moov.CreateTokenResponse, error) {
	return newClient(t, srv, moov.NewClientWithResponses, moov.WithHTTPClient).CreateTokenWithResponse(ctx(t), nil,
		moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
}

func mobifinanceToken(t *testing.T, srv *httptest.Server) (*mobifinance.CreateTokenResponse, error) {
	return mobifinanceClient(t, srv).CreateTokenWithFormdataBodyWithResponse(ctx(t), mobifinanceRequest)
}

// answer sends a token request with send to a test server that answers r, and returns the
// parsed answer.
func answer[R any](t *testing.T, r reply, send func(*testing.T, *httptest.Server) (R, error)) R {
	t.Helper()
	srv := newRecorder(t, r)
	resp, err := send(t, srv.Server)
	require.NoError(t, err)
	return resp
}

// sent reduces a token request to its transport error, for the wire tests.
func sent[R any](send func(*testing.T, *httptest.Server) (R, error)) func(*testing.T, *httptest.Server) error {
	return func(t *testing.T, srv *httptest.Server) error {
		_, err := send(t, srv)
		return err
	}
}
