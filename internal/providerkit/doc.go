// Package providerkit is what the provider packages (moneygo, moneykit,
// moov, mobifinance) share beyond auth's public API: the checks of a
// Config's fields (each failure an *auth.ConfigError naming the field), the
// HTTP client token requests go through (bounded timeouts, no redirects),
// one token request read into a token or an *auth.Error with the request's
// credentials scrubbed from it (Endpoint), and the shape of a Config's
// TokenSource (ConfigSource).
//
// It is internal so that none of it becomes a promise to users; a provider
// outside this module builds on auth alone (see auth's Example_provider).
// The parts that need auth's internals come through internal/authhook.
package providerkit
