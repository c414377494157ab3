package providertest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/moneygo"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

// TestRequestIDEveryProvider: an x-request-id header, in any spelling, fills
// Error.RequestID and shows in the message, whichever provider answered.
func TestRequestIDEveryProvider(t *testing.T) {
	const id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	fetch := map[string]func(url string, c *http.Client) (*oauth2.Token, error){
		"moneygo": func(url string, c *http.Client) (*oauth2.Token, error) {
			return (&moneygo.Config{ClientID: "id", ClientSecret: "secret", BaseURL: url, HTTPClient: c}).Token(context.Background())
		},
		"moneykit": func(url string, c *http.Client) (*oauth2.Token, error) {
			return (&moneykit.Config{ClientID: "id", ClientSecret: "secret", BaseURL: url, HTTPClient: c}).Token(context.Background())
		},
		"moov": func(url string, c *http.Client) (*oauth2.Token, error) {
			return (&moov.Config{ClientID: "id", ClientSecret: "secret", BaseURL: url, HTTPClient: c}).Token(context.Background())
		},
		"mobifinance": func(url string, c *http.Client) (*oauth2.Token, error) {
			return (&mobifinance.Config{ClientID: "id", ClientSecret: "secret", RedirectURL: "https://app.example/cb", BaseURL: url, HTTPClient: c}).
				Exchange(context.Background(), "code-0123456789")
		},
	}
	for provider, get := range fetch {
		for _, spelling := range []string{"x-request-id", "X-Request-Id", "X-REQUEST-ID", "X-Request-ID"} {
			t.Run(provider+"/"+spelling, func(t *testing.T) {
				srv := providertest.NewServer(t, providertest.FormBody, func(w http.ResponseWriter, _ *http.Request, _ int) {
					w.Header()[spelling] = []string{id} // sent exactly as spelled
					providertest.Reply(w, http.StatusBadRequest, `{"error":"invalid_request"}`)
				})
				_, err := get(srv.URL, srv.Client())
				require.Error(t, err)
				var e *auth.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, provider, e.Provider)
				assert.Equal(t, id, e.RequestID)
				assert.Contains(t, err.Error(), "[request id "+id+"]")
			})
		}
	}
}
