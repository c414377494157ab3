package moov

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/paytoken/paytoken/auth"
)

// apiVersion is the form Moov documents for x-moov-version: "vYYYY.QQ.BB"
// (v2024.01.00, the first release of 2024) or "latest".
var apiVersion = regexp.MustCompile(`^(latest|v[0-9]{4}\.[0-9]{2}\.[0-9]{2})$`)

// checkAPIVersion accepts an empty version (the header is not sent) or one
// in the documented form. Anything else, a line break or a typo such as
// "2024.01.00", fails with an error naming the field rather than reaching
// the wire.
func checkAPIVersion(v string) error {
	if v == "" || apiVersion.MatchString(v) {
		return nil
	}
	return &auth.ConfigError{Provider: provider, Field: "APIVersion",
		Err: fmt.Errorf("%q: %w", v, errBadVersion)}
}

var errBadVersion = errors.New(`not a Moov API version: want "vYYYY.QQ.BB" (such as "v2024.01.00") or "latest"`)
