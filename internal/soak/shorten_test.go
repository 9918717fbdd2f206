//go:build unix

package main

import "testing"

func TestShorten(t *testing.T) {
	in := `2026-11-30T03:52:37.019Z [WARN]  provider.terraform-provider-pterodactyl_v0.0.1: panel request failed; retrying: error="create database \"soak006\" on server 924dd82e: panel answered HTTP 429 (ThrottleRequestsException): Too Many Attempts." operation="create database \"soak006\" on server 924dd82e" @module=pterodactyl.panel attempt=1 wait_ms=60000 @caller=/x/logger.go:31 timestamp=2026-11-30T03:52:37.019Z`
	want := `2026-11-30T03:52:37.019Z WARN  panel request failed; retrying operation="create database \"soak006\" on server 924dd82e" wait_ms=60000 attempt=1 error="create database \"soak006\" on server 924dd82e: panel answered HTTP 429 (ThrottleRequestsException): Too Many Attempts."`
	if got := shorten(in); got != want {
		t.Errorf("shorten:\n got %s\nwant %s", got, want)
	}
	in = `2026-11-30T03:52:37.015Z [DEBUG] provider.terraform-provider-pterodactyl_v0.0.1: panel request: duration_ms=1 operation="create database \"soak007\" on server 924dd82e" path=/api/client/servers/924dd82e/databases status=200 @caller=/x/logger.go:27 @module=pterodactyl.panel method=POST timestamp=2026-11-30T03:52:37.008Z`
	want = `2026-11-30T03:52:37.015Z DEBUG panel request operation="create database \"soak007\" on server 924dd82e" method=POST path=/api/client/servers/924dd82e/databases status=200 duration_ms=1`
	if got := shorten(in); got != want {
		t.Errorf("shorten:\n got %s\nwant %s", got, want)
	}
}

func TestBound(t *testing.T) {
	o := options{margin: 30e9, perResource: 1e9, scale: 1}
	for _, c := range []struct {
		flavor            string
		n, perServer, sec int
	}{
		{"pelican", 20, 0, 110},      // a no-change plan of 20
		{"pelican", 10, 10, 400},     // creating 10 on one server
		{"pelican", 3, 3, 213},       // creating 3 on one server
		{"pelican", 12, 3, 222},      // creating 12 over 4 servers
		{"pterodactyl", 10, 10, 100}, // no create limit
		{"pelican", 100, 0, 250},     // 400 requests: two client API windows
	} {
		if got := bound(o, c.flavor, c.n, c.perServer); got.Seconds() != float64(c.sec) {
			t.Errorf("bound(%s, %d, %d) = %s, want %ds", c.flavor, c.n, c.perServer, got, c.sec)
		}
	}
}
