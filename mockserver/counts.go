package mockserver

// Counts is what the mock saw of one provider's traffic.
type Counts struct {
	// TokenRequests counts every request to the provider's token endpoint, whatever the
	// answer, injected faults included; a method other than POST counts too (as a TokenError,
	// and injected faults do not apply to it).
	TokenRequests int `json:"token_requests"`
	// TokensIssued counts the access tokens issued (also when an AfterHandling fault then
	// replaced the answer).
	TokensIssued int `json:"tokens_issued"`
	// TokenErrors counts the token requests the mock itself refused: invalid requests,
	// unknown clients, spent codes, methods other than POST (not injected faults).
	TokenErrors int `json:"token_errors"`
	// Faults counts the token requests an injected fault applied to.
	Faults int `json:"faults"`
	// ProtectedRequests counts the requests to the protected endpoint that carried one of
	// the provider's tokens or went to the provider's own /{provider}/protected path.
	ProtectedRequests int `json:"protected_requests"`
	// ProtectedRejected counts those of them answered 401.
	ProtectedRejected int `json:"protected_rejected"`
}

func (c *Counts) add(o Counts) {
	c.TokenRequests += o.TokenRequests
	c.TokensIssued += o.TokensIssued
	c.TokenErrors += o.TokenErrors
	c.Faults += o.Faults
	c.ProtectedRequests += o.ProtectedRequests
	c.ProtectedRejected += o.ProtectedRejected
}

func (st *state) count(p Provider, f func(*Counts)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if c := st.counts[p]; c != nil {
		f(c)
	} else {
		f(&st.unowned)
	}
}

// Counts returns the provider's request counts so far.
func (s *Server) Counts(p Provider) Counts {
	mustProvider(p)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return *s.st.counts[p]
}

// TotalCounts sums the counts of every provider, plus the requests to the shared protected
// endpoint whose token no provider issued (those belong to no provider).
func (s *Server) TotalCounts() Counts {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	t := s.st.unowned
	for _, c := range s.st.counts {
		t.add(*c)
	}
	return t
}

// ResetCounts sets every count back to zero.
func (s *Server) ResetCounts() {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for p := range s.st.counts {
		s.st.counts[p] = &Counts{}
	}
	s.st.unowned = Counts{}
}
