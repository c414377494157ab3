package mockserver

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// What RFC 6749 and RFC 9110 ask of a token endpoint beyond what the specs can express.

// repeatedParam names a parameter the body carries more than once, which RFC 6749 §3.2
// forbids ("Request and response parameters MUST NOT be included more than once"): a form
// field sent twice, or a JSON object member named twice. Empty when there is none, or
// when the body is neither form nor JSON (the spec validation refuses those).
func repeatedParam(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/x-www-form-urlencoded":
		seen := map[string]bool{}
		for pair := range strings.SplitSeq(string(body), "&") {
			if pair == "" {
				continue
			}
			k, _, _ := strings.Cut(pair, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				return "" // malformed: left to the spec validation
			}
			if seen[name] {
				return name
			}
			seen[name] = true
		}
	case "application/json":
		return repeatedMember(body)
	}
	return ""
}

// repeatedMember names a member of the top-level JSON object that appears twice
// (encoding/json would silently keep the last one).
func repeatedMember(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := t.(string)
		if seen[name] {
			return name
		}
		seen[name] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// tokenParams are the token request parameters RFC 6749 defines (§2.3.1, §4.1.3, §4.4.2,
// §6) and RFC 7523 adds (client assertions).
var tokenParams = []string{"grant_type", "client_id", "client_secret", "code", "redirect_uri",
	"refresh_token", "scope", "code_verifier", "client_assertion", "client_assertion_type", "username", "password"}

// queryParam names a token request parameter sent in the request URI. RFC 6749 §2.3.1:
// client credentials "MUST NOT be included in the request URI"; §3.2 and §4 put every
// parameter in the entity-body. The endpoint URI may carry a query of its own (§3.2), so
// other names pass. net/http's ParseForm, which the generated handlers use, would otherwise
// merge the query into the body's parameters.
func queryParam(q url.Values) string {
	for _, name := range tokenParams {
		if q.Has(name) {
			return name
		}
	}
	return ""
}

// challenger adds the challenge RFC 9110 §11.6.1 and §15.5.2 require on every 401 ("The
// server generating a 401 response MUST send a WWW-Authenticate header field"): at a token
// endpoint the client authenticates with HTTP Basic or body credentials, so the challenge
// is Basic (RFC 6749 §2.3.1, §5.2), with the provider as the realm.
type challenger struct {
	http.ResponseWriter
	realm string
}

func (w *challenger) WriteHeader(code int) {
	if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", basicChallenge(w.realm))
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach Hijack and Flush (dropped-connection faults).
func (w *challenger) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func basicChallenge(realm string) string {
	return `Basic realm="` + realm + `", charset="UTF-8"`
}

// prefersJSON reports whether a client that sent a form body asked, in its Accept header,
// for JSON over a form answer (RFC 9110 §12.5.1). Moov mirrors the request's media type;
// a generic OAuth2 client sends a form and Accept: application/json and can read nothing
// else, and the spec allows either answer, so the mock answers such a client in JSON.
func prefersJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return false
	}
	jsonQ, formQ := acceptQ(accept, "application/json"), acceptQ(accept, "application/x-www-form-urlencoded")
	return jsonQ > 0 && jsonQ > formQ
}

// acceptQ is the quality the Accept header gives the media type: the most specific range
// that matches it wins (type/subtype over type/* over */*); 0 when none does.
func acceptQ(accept, mediaType string) float64 {
	typ, _, _ := strings.Cut(mediaType, "/")
	best, q := -1, 0.0
	for r := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(r))
		if err != nil {
			continue
		}
		spec := -1
		switch mt {
		case mediaType:
			spec = 2
		case typ + "/*":
			spec = 1
		case "*/*":
			spec = 0
		}
		if spec <= best {
			continue
		}
		best, q = spec, 1
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
	}
	return q
}

// requestID is a random (version 4) UUID, RFC 9562 §5.4.
func requestID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
