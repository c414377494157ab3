package twin

import (
	"net/url"
	"strings"
	"testing"
)

func TestTwin(t *testing.T) {
	if got := Twin("rect_uri-09AZ%é"); got != "erpg_hev-54NM%é" {
		t.Fatalf("Twin = %q", got)
	}
	if Twin(Twin("abc123")) != "abc123" {
		t.Fatal("Twin is not its own inverse on letters")
	}
}

func TestJSONField(t *testing.T) {
	body := []byte(`{"code":"first","scope":"rect_uri","code" : "re\u0063t_\"uri","n":[1,{"code":"x"}]}`)
	v, twin, ok := JSONField(body, "code")
	if !ok || v != `rect_"uri` {
		t.Fatalf("value %q, ok %v", v, ok)
	}
	want := `{"code":"first","scope":"rect_uri","code" : "er\u0063g_\"hev","n":[1,{"code":"x"}]}`
	if string(twin) != want {
		t.Fatalf("twin body\n%s\nwant\n%s", twin, want)
	}
	for _, bad := range []string{`[]`, `{"code":1}`, `{"code":"a"}{}`, `{"other":"a"}`, ``} {
		if _, _, ok := JSONField([]byte(bad), "code"); ok {
			t.Errorf("%s: ok", bad)
		}
	}
}

func TestFormFields(t *testing.T) {
	body := []byte("scope=rect_uri&code=rect%5Furi&c%6Fde=ab+c9&code&x=1")
	got := FormFields(body, "code")
	if len(got) != 2 {
		t.Fatalf("%d fields", len(got))
	}
	if got[0].Value != "rect_uri" || string(got[0].TwinBody) != "scope=rect_uri&code=erpg%5Fhev&c%6Fde=ab+c9&code&x=1" {
		t.Errorf("first: %q %s", got[0].Value, got[0].TwinBody)
	}
	if got[1].Value != "ab c9" || string(got[1].TwinBody) != "scope=rect_uri&code=rect%5Furi&c%6Fde=no+p4&code&x=1" {
		t.Errorf("second: %q %s", got[1].Value, got[1].TwinBody)
	}
	if FormFields([]byte("code=%zz"), "code") != nil {
		t.Error("a body ParseQuery rejects has fields")
	}
}

// TestEchoes: fixed text holding the value is no echo; a copy is, even
// when fixed text holds the value as well.
func TestEchoes(t *testing.T) {
	answer := func(code string) []string {
		return []string{"invalid_request", "property redirect_uri is missing"}
	}
	echo := func(code string) []string {
		return []string{"invalid_request", "property redirect_uri is missing; code " + url.QueryEscape(code)}
	}
	const v = "rect_uri"
	if Echoes(v, answer(v), answer(Twin(v))) {
		t.Error("fixed text counted as an echo")
	}
	if !Echoes(v, echo(v), echo(Twin(v))) {
		t.Error("an echo is not counted")
	}
	if Echoes("--__--", []string{"--__--"}, []string{"x"}) {
		t.Error("a value that is its own twin counted")
	}
	if !strings.Contains(strings.Join(echo(v), ""), v) {
		t.Fatal("bad test")
	}
}
