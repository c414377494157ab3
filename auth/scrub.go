package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/paytoken/paytoken/internal/authhook"
)

// minSensitiveLen is the shortest value endpoint.Send and
// endpoint.ReadResponse scrub from errors. Shorter values are left alone:
// replacing every "ab" or "x1" in a message would make it unreadable
// without protecting anything a guesser could not find anyway. Real client
// secrets, authorization codes and refresh tokens are far longer; the
// provider packages accept any non-empty secret, so a secret shorter than
// this can show in an error that quotes it.
const minSensitiveLen = authhook.MinSensitiveLen

// scrubber replaces a request's sensitive values, in every form a server
// could echo them, with "[redacted]". It is built only when there is
// something to scrub (an answer that is not a token, a failed request), so
// a successful request pays nothing for it beyond passing the values along.
type scrubber struct {
	values []string // as the request side declared them
	built  bool
	r      *strings.Replacer // nil when no value is long enough
	olds   []string          // every form of every value, longest first
	first  [256]bool         // the bytes the forms start with
}

func newScrubber(values []string) *scrubber { return &scrubber{values: values} }

// forms lists what a server could echo of v: v itself, its form/query
// encoding and its path encoding (how it travelled in a form body or a
// URL), its JSON string encodings with and without HTML escaping (how it
// appears inside a JSON error body that quotes it), and its Go quoting
// (how net/http quotes a malformed answer in its errors).
func forms(v string) []string {
	q := strconv.Quote(v)
	out := []string{v, url.QueryEscape(v), url.PathEscape(v), q[1 : len(q)-1]}
	if j, err := json.Marshal(v); err == nil {
		out = append(out, string(j[1:len(j)-1]))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		j := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		out = append(out, string(j[1:len(j)-1]))
	}
	return out
}

func (s *scrubber) build() {
	if s == nil || s.built {
		return
	}
	s.built = true
	var olds []string
	for _, v := range s.values {
		if len(v) < minSensitiveLen {
			continue
		}
		olds = append(olds, forms(v)...)
	}
	if len(olds) == 0 {
		return
	}
	// Longest first: strings.Replacer tries its olds in argument order at
	// each position, so a value that contains another is replaced whole.
	slices.SortFunc(olds, func(a, b string) int { return len(b) - len(a) })
	olds = slices.Compact(olds)
	s.olds = olds
	for _, o := range olds {
		s.first[o[0]] = true
	}
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, redacted)
	}
	s.r = strings.NewReplacer(pairs...)
}

// clean returns str with every sensitive value replaced.
func (s *scrubber) clean(str string) string {
	if s == nil || len(s.values) == 0 || str == "" {
		return str
	}
	s.build()
	if s.r == nil {
		return str
	}
	return s.r.Replace(str)
}

// scrubError cleans the fields of e that a server fills in (Code,
// Description, URI, RequestID) and its Body, which is rebuilt from the whole
// body (not from the maxErrorBody bytes kept) so that a value straddling
// the cut is replaced too, not left half visible.
func (s *scrubber) scrubError(e *Error, body []byte) {
	if s == nil || len(s.values) == 0 {
		return
	}
	s.build()
	if s.r == nil {
		return
	}
	e.Code = s.r.Replace(e.Code)
	e.Description = s.r.Replace(e.Description)
	e.URI = s.r.Replace(e.URI)
	e.RequestID = s.r.Replace(e.RequestID)
	if b, changed := s.prefix(body, maxErrorBody); changed {
		e.Body = b
	}
}

// prefix returns the first limit bytes of body with every sensitive value
// replaced, as s.r.Replace(body) would (leftmost match first, the longest
// form at a position), reading no more of body than it needs, and whether
// anything was replaced.
func (s *scrubber) prefix(body []byte, limit int) ([]byte, bool) {
	var out []byte // nil until the first match: body[:i] is then copied
	for i := 0; i < len(body) && (out == nil && i < limit || out != nil && len(out) < limit); {
		n := 0
		if s.first[body[i]] {
			for _, f := range s.olds {
				if bytes.HasPrefix(body[i:], []byte(f)) {
					n = len(f)
					break
				}
			}
		}
		switch {
		case n > 0 && out == nil:
			out = append(make([]byte, 0, limit+len(redacted)), body[:i]...)
			fallthrough
		case n > 0:
			out = append(out, redacted...)
			i += n
		default:
			if out != nil {
				out = append(out, body[i])
			}
			i++
		}
	}
	if out == nil {
		return nil, false
	}
	return out[:min(len(out), limit)], true
}

// scrubCause returns err unchanged when its message holds no sensitive
// value, and otherwise an error with the cleaned message that still
// matches what err matches (errors.Is, errors.As), so retry decisions
// and callers' checks see the same error. The original is not reachable
// through Unwrap, so printing the error tree does not show it.
func (s *scrubber) scrubCause(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if cleaned := s.clean(msg); cleaned != msg {
		return &scrubbedError{msg: cleaned, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }
func (e *scrubbedError) As(target any) bool   { return errors.As(e.err, target) }
