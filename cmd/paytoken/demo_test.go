package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/paytoken/paytoken/mockserver"
)

// The demo fails (status 1) when a step fails, says which, and still shows every provider.
func TestDemoFails(t *testing.T) {
	for name, setup := range map[string]func(*mockserver.Server){
		"token endpoint failing": func(m *mockserver.Server) {
			m.InjectFault(mockserver.MoneyKit, mockserver.Fault{Status: 401})
		},
		"credentials refused": func(m *mockserver.Server) {
			m.RemoveClient(mockserver.Moov, mockserver.DemoClientID(mockserver.Moov))
		},
		"no code": func(m *mockserver.Server) {
			m.RemoveClient(mockserver.MobiFinance, mockserver.DemoClientID(mockserver.MobiFinance))
		},
	} {
		t.Run(name, func(t *testing.T) {
			mock := mockserver.New()
			defer mock.Close()
			setup(mock)
			var out, errOut bytes.Buffer
			code := demoOn(context.Background(), mock, &out, &errOut)
			assert.Equal(t, exitFailure, code, "stdout:\n%s", out.String())
			assert.Contains(t, out.String(), "FAILED at")
			assert.Contains(t, errOut.String(), "1 of 4 providers failed")
			assert.NotContains(t, out.String(), "All four providers")
			for _, p := range mockserver.Providers() {
				assert.Contains(t, out.String(), p.DisplayName())
			}
		})
	}
}
