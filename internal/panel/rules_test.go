package panel

import (
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	cases := map[string]string{
		"abc":                    "",
		"my-db_01":               "",
		strings.Repeat("a", 48):  "",
		"ab":                     "at least 3",
		"":                       "at least 3",
		strings.Repeat("a", 49):  "at most 48",
		"my db":                  "only letters",
		"db!":                    "only letters",
		"dé_b":                   "only letters",
		"s1_x":                   "",
		"name.with.dots":         "only letters",
		"tab\tname":              "only letters",
		strings.Repeat("é", 10):  "only letters",
		strings.Repeat("é", 100): "at most 48",
	}
	for in, want := range cases {
		err := ValidateName(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("ValidateName(%q) = %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("ValidateName(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestValidateRemote(t *testing.T) {
	good := []string{"%", "10.0.0.%", "192.168.1.10", "10.0.0.0/255.0.0.0", "::1", "fe80::1%eth0", "db-host.example.com", "host_1"}
	bad := []string{"", " ", "10.0.0.1 ", "a;b", "a,b", "*", "'%'", "10.0.0.1\n"}
	for _, in := range good {
		if err := ValidateRemote(in); err != nil {
			t.Errorf("ValidateRemote(%q) = %v", in, err)
		}
	}
	for _, in := range bad {
		if err := ValidateRemote(in); err == nil {
			t.Errorf("ValidateRemote(%q) accepted", in)
		}
	}
	// A shell or glob habit: the error says what MySQL writes instead.
	if err := ValidateRemote("10.0.0.*"); err == nil || !strings.Contains(err.Error(), `MySQL's wildcard is %, not *: "%" for anywhere, or a pattern such as "10.0.0.%"`) {
		t.Errorf("ValidateRemote(10.0.0.*) = %v; want %% suggested", err)
	}
}

func TestPrefixedName(t *testing.T) {
	cases := []struct {
		id        int
		name      string
		want      string
		truncated bool
	}{
		{12, "minecraft", "s12_minecraft", false},
		{1, strings.Repeat("a", 45), "s1_" + strings.Repeat("a", 45), false},
		{1, strings.Repeat("a", 46), "s1_" + strings.Repeat("a", 45), true},
		{12, strings.Repeat("b", 48), "s12_" + strings.Repeat("b", 44), true},
		{123456, strings.Repeat("c", 48), "s123456_" + strings.Repeat("c", 40), true},
	}
	for _, tc := range cases {
		got := PrefixedName(tc.id, tc.name)
		if got != tc.want || len(got) > NameMaxLength {
			t.Errorf("PrefixedName(%d, %q) = %q, want %q", tc.id, tc.name, got, tc.want)
		}
		if Truncated(tc.id, tc.name) != tc.truncated {
			t.Errorf("Truncated(%d, %q) = %v", tc.id, tc.name, !tc.truncated)
		}
	}
}

func TestShortName(t *testing.T) {
	cases := map[string]string{
		"s12_minecraft": "minecraft",
		"s1_s2_nested":  "s2_nested",
		"minecraft":     "minecraft",
		"s_x":           "s_x",
		"sx_y":          "sx_y",
	}
	for in, want := range cases {
		if got := ShortName(in); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", in, got, want)
		}
		if HasPrefix(in) != (in != want) {
			t.Errorf("HasPrefix(%q) = %v", in, HasPrefix(in))
		}
	}
}

func TestSameServer(t *testing.T) {
	const uuid = "1a7ce997-259b-452e-8b4e-cecc464142ca"
	cases := []struct {
		a, b string
		want bool
	}{
		{"1a7ce997", "1a7ce997", true},
		{"1a7ce997", uuid, true},
		{uuid, "1a7ce997", true},
		{"1A7CE997", uuid, true},
		{uuid, uuid, true},
		{"1a7ce998", uuid, false},
		{"1a7ce997", "2b8df008", false},
		{"1a7ce997", "1a7ce997-not-a-uuid", false},
		{"", "", true},
		{"", "1a7ce997", false},
	}
	for _, tc := range cases {
		if got := SameServer(tc.a, tc.b); got != tc.want {
			t.Errorf("SameServer(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
