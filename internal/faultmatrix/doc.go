// Package faultmatrix holds paytoken's reliability tests; it has no code of
// its own. Its tests drive the four provider packages through the public API
// against the mock server's fault injection and against a raw hostile
// httptest server:
//
//   - TestFaultMatrix: every provider × every fault, the exact outcome (a
//     token after N upstream requests, or an error kind and N requests),
//     bounded time, no panic, no empty token. The table is also the source of
//     docs/failure-behaviour.md (TestFailureBehaviourDoc; regenerate with
//     go test ./internal/faultmatrix -run TestFailureBehaviourDoc -update).
//   - TestSecretHygiene: sentinel credentials reflected by the hostile
//     server never appear in errors, formatted values, logs or panics.
//   - TestTransport*: no credentials over plain http to a non-loopback host,
//     no redirect followed with credentials, response bodies read through a
//     1 MiB limit.
//   - TestSoak (skipped with -short; .ci/soak.sh): 2,000 goroutines through
//     Client against the mock with short-lived tokens and injected faults.
package faultmatrix
