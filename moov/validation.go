package moov

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// decodeError reads the body of Moov's 422 ("the contents failed
// validation"), which is keyed by the fields that failed, each with what is
// wrong with it: {"scope": "is required when grant_type is client_credentials"}.
// It has no "error" key, so the generic OAuth2 reading would find nothing;
// the Description names every field instead, sorted by name so the message
// is the same for the same answer:
//
//	fields failed validation: refresh_token: …; scope: …
//
// A field named access_token (not a field of Moov's token requests) is
// named without its value: the SDK treats an access_token in any error body
// as a token, which its errors never show (a fuzz finding: a 422 of
// {"access_token":"…"} put the value in the message).
//
// The Code stays empty (Moov sends none); auth classifies a 422 as
// auth.ErrInvalidRequest. Any other status, or a 422 whose body carries an
// "error" key, is left to the generic reading.
func decodeError(status int, body []byte) (code, description, uri string, ok bool) {
	if status != http.StatusUnprocessableEntity {
		return "", "", "", false
	}
	var fields map[string]any
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		return "", "", "", false
	}
	if _, has := fields["error"]; has {
		return "", "", "", false
	}
	if len(fields) == 0 {
		return "", "the request failed validation", "", true
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("fields failed validation: ")
	for i, name := range names {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name)
		if name == "access_token" {
			b.WriteString(": [redacted]")
		} else if why := reason(fields[name]); why != "" {
			b.WriteString(": ")
			b.WriteString(why)
		}
	}
	return "", b.String(), "", true
}

// reason is what a 422 says about one field: a string, or a list of them.
func reason(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	return ""
}
