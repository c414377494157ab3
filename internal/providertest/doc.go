// Package providertest is the test machinery the provider packages
// (moneygo, moneykit, moov, mobifinance) share: a recording loopback token
// endpoint, answer helpers, assertions, the checks that read the same for
// every client-credentials provider, and the FuzzTokenResponse harness.
//
// It is imported by those packages' _test.go files only; nothing else
// imports it. What is specific to one provider (its Config, wire format,
// error shapes, quirks and seeds) stays in that provider's tests.
package providertest
