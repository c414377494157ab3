package mockserver

// StateSize is how many entries the mock remembers of each kind, and how many places the
// orders that bound them hold (never more than Limits.MaxEntries a provider and kind).
type StateSize struct{ Tokens, Refresh, Codes, Places int }

// StateSize, for the tests of what the mock keeps: it prunes first, as every request does.
func (s *Server) StateSize() StateSize {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pruneLocked(st.cfg.now())
	return StateSize{
		Tokens: st.tokens.len(), Refresh: st.refresh.len(), Codes: st.codes.len(),
		Places: st.tokens.places() + st.refresh.places() + st.codes.places(),
	}
}

// IssueMoovForTest does what a Moov client_credentials request does to the state: one
// access token and one refresh token, without the HTTP around it.
func IssueMoovForTest(s *Server) {
	s.st.issue(Moov, DemoClientID(Moov), "", "opaque")
	s.st.newRefresh(Moov, DemoClientID(Moov), "")
}
