package auth

// AuthStyle says how client credentials travel to the token endpoint.
type AuthStyle int

const (
	// InHeader sends client_id and client_secret in an HTTP Basic
	// Authorization header, as given (not form-encoded first; many servers
	// do not decode them, see golang/oauth2#783). The zero value.
	InHeader AuthStyle = iota
	// InBody sends client_id and client_secret as request body fields.
	InBody
)

// String names the style for logs and errors.
func (s AuthStyle) String() string {
	switch s {
	case InHeader:
		return "InHeader"
	case InBody:
		return "InBody"
	}
	return "AuthStyle(invalid)"
}
