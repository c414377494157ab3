package faultmatrix_test

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/paytoken/paytoken/mockserver"
)

// soakProviderOf is the provider whose token path path is (the longest
// match: Money-Go's /token is a suffix of the others').
func soakProviderOf(path string) (p mockserver.Provider) {
	longest := 0
	for _, q := range mockserver.Providers() {
		if tp := q.TokenPath(); strings.HasSuffix(path, tp) && len(tp) > longest {
			p, longest = q, len(tp)
		}
	}
	return p
}

func accessTokenOf(contentType string, body []byte) string {
	var v struct {
		AccessToken string `json:"access_token"`
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		q, _ := url.ParseQuery(string(body))
		return q.Get("access_token")
	}
	if json.Unmarshal(body, &v) == nil {
		return v.AccessToken
	}
	return ""
}
