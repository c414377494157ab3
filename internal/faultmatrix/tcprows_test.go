package faultmatrix_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// tcpTimeout is the HTTPClient.Timeout of the TCP cases whose fault is a
// hang: the bound of one attempt, which they wait out.
const tcpTimeout = time.Second

// tcpOKTimeout is the HTTPClient.Timeout of every other case, those that
// return a token (the fault only slows the answer) and those that end on
// a network error: a ceiling only a stalled machine reaches. At 1 s a
// Client call, a fetch and an API call each 300 ms late, had 400 ms of
// room, and a timed-out attempt would be retried (a second token request)
// or, for MobiFinance, fail; and on a loaded machine toxiproxy took more
// than 1 s to pass on a cut request's close, so a case that wants the
// network error got the timeout.
const tcpOKTimeout = 10 * time.Second

// tcpOutcome is what the SDK does about a TCP fault.
type tcpOutcome struct {
	kind string
	// reqMin, reqMax bound the token requests that reach the mock: the
	// client-credentials providers' attempts (a fault upstream may stop
	// them before they arrive), MobiFinance's code submissions (never
	// more than one).
	reqMin, reqMax int
	bound          time.Duration // every path ends within this (generous for a loaded machine)
	does           string
}

// tcpRow is one TCP fault.
type tcpRow struct {
	id     string
	fault  string // the doc's words
	toxic  string // toxiproxy's toxic type
	stream string // "upstream" (requests) or "downstream" (answers)
	attrs  map[string]any
	// attrsFor, when set, computes the attributes per provider and path (a
	// cut inside the answer's body needs the length of its headers).
	attrsFor func(t *testing.T, p prov, path string) map[string]any
	long     bool // waits out timeouts: testenv.Long
	cc, mf   tcpOutcome
}

const (
	doesTCPToken   = "returns the token, the fault only slows it"
	doesTCPRetry   = "retries (3 attempts), then the network error"
	doesTCPTimeout = "each attempt ends at `HTTPClient.Timeout`; 3 attempts, then the timeout"
	doesMFSpent    = "no retry; `ErrReauthorize` (the code may have reached the server)"
)

func tcpOK(bound time.Duration) (cc, mf tcpOutcome) {
	return tcpOutcome{kind: kToken, reqMin: 1, reqMax: 1, bound: bound, does: doesTCPToken},
		tcpOutcome{kind: kToken, reqMin: 1, reqMax: 1, bound: bound, does: doesTCPToken}
}

// tcpFail: every attempt fails with kind; reached says whether the
// requests get to the mock before the fault (a fault on the answers) or
// not (a fault that stops the request).
func tcpFail(kind string, reached bool, bound time.Duration) (cc, mf tcpOutcome) {
	does := doesTCPRetry
	if kind == kTimeout {
		does = doesTCPTimeout
	}
	cc = tcpOutcome{kind: kind, bound: bound, does: does}
	mf = tcpOutcome{kind: kind, reqMax: 1, bound: bound, does: doesMFSpent}
	if reached {
		cc.reqMin, cc.reqMax, mf.reqMin = 3, 3, 1
	} else {
		cc.reqMax = 3 // a request cut short may still reach the mock's count
	}
	return cc, mf
}

func tcpRowOf(id, fault, toxic, stream string, attrs map[string]any, long bool, o func() (tcpOutcome, tcpOutcome)) tcpRow {
	cc, mf := o()
	return tcpRow{id: id, fault: fault, toxic: toxic, stream: stream, attrs: attrs, long: long, cc: cc, mf: mf}
}

var tcpRows = func() []tcpRow {
	ok := func() (tcpOutcome, tcpOutcome) { return tcpOK(10 * time.Second) }
	fail := func(kind string, reached bool, bound time.Duration) func() (tcpOutcome, tcpOutcome) {
		return func() (tcpOutcome, tcpOutcome) { return tcpFail(kind, reached, bound) }
	}
	rows := []tcpRow{
		tcpRowOf("latency-down", "latency 300 ms on the answers", "latency", "downstream", map[string]any{"latency": 300}, false, ok),
		tcpRowOf("latency-up", "latency 300 ms on the requests", "latency", "upstream", map[string]any{"latency": 300}, false, ok),
		tcpRowOf("bandwidth-down", "bandwidth 2 KB/s on the answers", "bandwidth", "downstream", map[string]any{"rate": 2}, false, ok),
		tcpRowOf("bandwidth-up", "bandwidth 2 KB/s on the requests", "bandwidth", "upstream", map[string]any{"rate": 2}, false, ok),
		tcpRowOf("slicer-down", "answers sliced into ~8-byte TCP segments", "slicer", "downstream", map[string]any{"average_size": 8, "size_variation": 4, "delay": 200}, false, ok),
		tcpRowOf("slicer-up", "requests sliced into ~8-byte TCP segments", "slicer", "upstream", map[string]any{"average_size": 8, "size_variation": 4, "delay": 200}, false, ok),
		tcpRowOf("slow-close-down", "slow_close: the answer side closes 500 ms late", "slow_close", "downstream", map[string]any{"delay": 500}, false, ok),
		tcpRowOf("slow-close-up", "slow_close: the request side closes 500 ms late", "slow_close", "upstream", map[string]any{"delay": 500}, false, ok),
		tcpRowOf("reset-down", "reset_peer: RST as the answer starts", "reset_peer", "downstream", map[string]any{"timeout": 0}, false, fail(kNetwork, true, 10*time.Second)),
		tcpRowOf("reset-up", "reset_peer: RST as the request starts", "reset_peer", "upstream", map[string]any{"timeout": 0}, false, fail(kNetwork, false, 10*time.Second)),
		tcpRowOf("limit-down-headers", "limit_data: the answer cut after 40 bytes (in its headers)", "limit_data", "downstream", map[string]any{"bytes": 40}, false, fail(kNetwork, true, 10*time.Second)),
		tcpRowOf("limit-up", "limit_data: the request cut after 40 bytes", "limit_data", "upstream", map[string]any{"bytes": 40}, false, fail(kNetwork, false, 10*time.Second)),
		tcpRowOf("timeout-close-down", "timeout 100 ms: the answer never comes, the connection closes", "timeout", "downstream", map[string]any{"timeout": 100}, false, fail(kNetwork, false, 10*time.Second)), // the 100 ms start at the connection: a loaded proxy may close it before the request is through
		tcpRowOf("timeout-hang-down", "timeout: the answer never comes, the connection stays open", "timeout", "downstream", map[string]any{"timeout": 0}, true, fail(kTimeout, true, 15*time.Second)),
		tcpRowOf("timeout-hang-up", "timeout: the request never arrives, the connection stays open", "timeout", "upstream", map[string]any{"timeout": 0}, true, fail(kTimeout, false, 15*time.Second)),
		tcpRowOf("latency-down-long", "latency 3 s on the answers (beyond `HTTPClient.Timeout`)", "latency", "downstream", map[string]any{"latency": 3000}, true, fail(kTimeout, true, 15*time.Second)),
		tcpRowOf("latency-up-long", "latency 3 s on the requests (beyond `HTTPClient.Timeout`)", "latency", "upstream", map[string]any{"latency": 3000}, true, fail(kTimeout, false, 15*time.Second)),
	}
	cut := tcpRowOf("limit-down-body", "limit_data: the answer cut 16 bytes into its body", "limit_data", "downstream", nil, false, fail(kNetwork, true, 10*time.Second))
	cut.attrsFor = func(t *testing.T, p prov, path string) map[string]any {
		return map[string]any{"bytes": answerHeaderLen(t, p, p.oneShot && path == "Client") + 16}
	}
	return append(rows[:11], append([]tcpRow{cut}, rows[11:]...)...)
}()

func tcpOutcomeDoc(o tcpOutcome) string {
	reqs := fmt.Sprintf("%d req.", o.reqMax)
	if o.reqMin != o.reqMax {
		reqs = fmt.Sprintf("%d–%d req.", o.reqMin, o.reqMax)
	}
	return fmt.Sprintf("%s — %s, %s, within %v", o.does, kindDoc(o.kind), reqs, o.bound)
}

// tcpDoc is the failure-behaviour table's section on TCP faults.
func tcpDoc() string {
	var b strings.Builder
	fmt.Fprintf(&b, `
### TCP-level faults

The same four providers behind Shopify's toxiproxy (`+"`github.com/Shopify/toxiproxy/v2`"+`, run in-process,
on loopback, between the SDK and `+"`mockserver`"+`), with `+"`HTTPClient.Timeout`"+` %v where the fault is a
hang (%v otherwise: a ceiling for a loaded machine, which those cases end before). Every
connection gets the fault, each retry meets it again. The client-credentials providers are called
through `+"`Config.Token`"+`, `+"`TokenSource`"+` and `+"`Client`"+` (a `+"`Client`"+` call is bounded by its
`+"`HTTPClient.Timeout`"+` as a whole, so a failing fetch may end there, as a timeout); MobiFinance
through `+"`Exchange`"+`, and its `+"`Client`"+` with an exchanged token (the API call meets the fault,
and no token request is made). *req.* counts the token requests that reached the mock: a fault on
the requests may stop them before; MobiFinance's code is never submitted twice. Every error names
its provider; a failed `+"`Exchange`"+` matches `+"`mobifinance.ErrReauthorize`"+`.

| Fault (toxic, stream) | Money-Go, MoneyKit, Moov | MobiFinance `+"`Exchange`"+` |
|---|---|---|
`, tcpTimeout, tcpOKTimeout)
	for _, r := range tcpRows {
		fmt.Fprintf(&b, "| %s (`%s`, %s) | %s | %s |\n", strings.ReplaceAll(r.fault, "|", `\|`), r.toxic, r.stream, tcpOutcomeDoc(r.cc), tcpOutcomeDoc(r.mf))
	}
	return b.String()
}
