package moneygo_test

import (
	"testing"

	"github.com/paytoken/paytoken/internal/providertest"
)

func TestMain(m *testing.M) { providertest.Main(m) }
