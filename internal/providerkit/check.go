package providerkit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paytoken/paytoken/auth"
)

// CheckBaseURL returns the token endpoint's base URL: raw, or def when raw
// is empty, accepted by CheckURL (https, or plain http to loopback). A bad
// URL is a *auth.ConfigError for field "BaseURL".
func CheckBaseURL(provider, raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	if _, err := CheckURL(raw); err != nil {
		return "", &auth.ConfigError{Provider: provider, Field: "BaseURL", Err: err}
	}
	return raw, nil
}

// CheckClientID accepts a client id that can be sent as style says: not
// empty, no control characters, and, in a Basic header, no ':' (RFC 7617:
// the server would split the id there).
func CheckClientID(provider, id string, style auth.AuthStyle) error {
	var err error
	switch {
	case id == "":
		err = errors.New("empty")
	case hasControl(id):
		err = errors.New("contains a control character")
	case style == auth.InHeader && strings.Contains(id, ":"):
		err = errors.New(`contains ':', which a Basic Authorization header cannot carry in the user id; use AuthStyle auth.InBody`)
	}
	if err != nil {
		return &auth.ConfigError{Provider: provider, Field: "ClientID", Err: err}
	}
	return nil
}

// CheckClientSecret accepts any non-empty secret without control characters.
// The error never shows the secret.
func CheckClientSecret(provider string, secret auth.Secret) error {
	var err error
	switch {
	case secret == "":
		err = errors.New("empty")
	case hasControl(string(secret)):
		err = errors.New("contains a control character")
	}
	if err != nil {
		return &auth.ConfigError{Provider: provider, Field: "ClientSecret", Err: err}
	}
	return nil
}

// CheckAuthStyle accepts auth.InHeader and auth.InBody.
func CheckAuthStyle(provider string, style auth.AuthStyle) error {
	if style != auth.InHeader && style != auth.InBody {
		return &auth.ConfigError{Provider: provider, Field: "AuthStyle",
			Err: fmt.Errorf("unknown style %d (want auth.InHeader or auth.InBody)", int(style))}
	}
	return nil
}

// CheckScopes accepts a list of scopes, one per element, each an RFC 6749
// scope-token (printable ASCII, no space, '"' or '\'). field names the
// Config field ("Scopes"); the error names the element ("Scopes[1]").
func CheckScopes(provider, field string, scopes []string) error {
	for i, s := range scopes {
		if err := checkScopeToken(s); err != nil {
			return &auth.ConfigError{Provider: provider, Field: field + "[" + strconv.Itoa(i) + "]", Err: err}
		}
	}
	return nil
}

// CheckScope accepts a space-delimited scope string (one or more
// scope-tokens separated by single spaces), as sent on the wire.
func CheckScope(provider, field, scope string) error {
	for s := range strings.SplitSeq(scope, " ") {
		if err := checkScopeToken(s); err != nil {
			if s == "" {
				err = fmt.Errorf("%q: scopes are separated by single spaces, with none leading or trailing", scope)
			}
			return &auth.ConfigError{Provider: provider, Field: field, Err: err}
		}
	}
	return nil
}

func checkScopeToken(s string) error {
	if s == "" {
		return errors.New("empty scope")
	}
	for _, r := range s {
		switch {
		case r == ' ':
			return fmt.Errorf("%q contains a space: give each scope as its own element", s)
		case r < 0x21 || r > 0x7e || r == '"' || r == '\\':
			return fmt.Errorf("%q contains %q, which is not allowed in a scope (RFC 6749 §3.3)", s, r)
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
