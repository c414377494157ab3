module github.com/paytoken/paytoken/bench

go 1.26.0

require (
	cloud.google.com/go/auth v0.24.3
	github.com/paytoken/paytoken v0.0.0-00010101000000-000000000000
	golang.org/x/oauth2 v0.37.0
)

require (
	cloud.google.com/go/compute/metadata v0.10.0 // indirect
	github.com/googleapis/gax-go/v2 v2.27.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/paytoken/paytoken => ..
