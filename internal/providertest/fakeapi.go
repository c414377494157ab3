package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
)

// FakeAPI starts the stand-in a provider package's examples run against: a
// loopback server whose POST tokenPath is token (the provider's token
// endpoint, as the example's fake answers it) and whose GET apiPath echoes
// the Authorization header it got, as the answer of an API call. The
// example closes it.
func FakeAPI(tokenPath, apiPath string, token http.HandlerFunc) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, token)
	mux.HandleFunc("GET "+apiPath, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("Authorization"))
	})
	return httptest.NewServer(mux)
}
