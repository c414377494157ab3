package paytoken

// Every generated package comes from one line here; go generate ./... regenerates them all.
// The generator is pinned in tools/go.mod, apart from the SDK's own go.mod, and each line
// passes nothing but -config: every setting, output path included, is in that config file.

//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/moneygo/oapi-codegen.yaml specs/moneygo.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/moneygo/spec/oapi-codegen.yaml specs/moneygo.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/moneykit/oapi-codegen.yaml specs/moneykit.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/moneykit/spec/oapi-codegen.yaml specs/moneykit.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/moov/oapi-codegen.yaml specs/moov.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/moov/spec/oapi-codegen.yaml specs/moov.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/mobifinance/oapi-codegen.yaml specs/mobifinance.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/mobifinance/spec/oapi-codegen.yaml specs/mobifinance.yaml
