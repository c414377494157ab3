package main

const demoSynopsis = `Usage: paytoken demo [flags]

Starts the mock of all four providers in-process and, for each provider, gets a token through
the SDK (MobiFinance: an authorization code, then the exchange) and calls the mock's protected
endpoint with the provider's authorized *http.Client. Prints one row per provider and exits
non-zero if any step fails. Needs no network and no account.
`
