//go:build unix

package main

import (
	"fmt"
	"time"
)

// panelLimits are a flavor's default rate limits, which the soak's panels are given
// explicitly (they equal paneltest's defaults) so that the bounds are worked out from the very
// limits the panel applies.
type panelLimits struct {
	perMinute int // client API requests per minute per API key
	creates   int // database creates per minute per server; 0: not limited
}

var limitsOf = map[string]panelLimits{
	"pterodactyl": {perMinute: 720},
	"pelican":     {perMinute: 256, creates: 2},
}

// window is the length of every rate-limit window of both panels.
const window = time.Minute

// requestsPerDatabase is an upper estimate of the client API requests one database costs a
// command: at most a read of its server at plan time, a list before the create, the create,
// and one refused (429) attempt.
const requestsPerDatabase = 4

// bound is how long one command may run before the watchdog stops it:
//
//	bound = margin + perResource × N + W_api × 60 s + W_create × 60 s
//
// The terms:
//   - margin (-margin, 30 s): Terraform starting, and starting the provider (more than once),
//     on a loaded machine.
//   - perResource × N (-per-resource, 1 s): Terraform's own work per resource instance.
//   - W_api = 1 + floor(4N / L): windows of the client API limit L (720 a minute per key on
//     Pterodactyl, 256 on Pelican) that the command may wait for. The panel keeps its windows
//     across commands, so one may find its key's window used up by the commands before it
//     (the 1); 4N is an upper estimate of the command's own requests.
//   - W_create = ceil(K / C) for a command that creates on Pelican, else 0: K is the most
//     creates on one server and C the create limit (2 a minute per server). The server's
//     window may be open and used up by the creates of the cycle before, so the last create
//     starts at the latest ceil(K/C) windows after the first one is tried.
//
// So a no-change plan of 20 databases may take 30 + 20 + 60 = 110 s, an apply creating 10 on
// one Pelican server 30 + 10 + 60 + 5×60 = 400 s, and one creating 3: 30 + 3 + 60 + 2×60 = 213 s.
func bound(o options, flavor string, resources, createsPerServer int) time.Duration {
	lim := limitsOf[flavor]
	wAPI := 1 + requestsPerDatabase*resources/lim.perMinute
	wCreate := 0
	if lim.creates > 0 && createsPerServer > 0 {
		wCreate = (createsPerServer + lim.creates - 1) / lim.creates
	}
	b := o.margin + time.Duration(resources)*o.perResource + time.Duration(wAPI+wCreate)*window
	return time.Duration(float64(b) * o.scale).Round(time.Second)
}

// boundFormula describes bound for the output, with the settings in use.
func boundFormula(o options) string {
	scaled := ""
	if o.scale != 1 {
		scaled = fmt.Sprintf(", all times %g (-bound-scale)", o.scale)
	}
	return fmt.Sprintf(`watchdog bound per command = %s + %s × N + W_api × 60 s + W_create × 60 s%s, where
  N         = resource instances in the configuration
  W_api     = 1 + floor(%d·N / L), L = client API requests a minute per key (pterodactyl 720, pelican 256):
              the key's window may be used up by earlier commands (the panel keeps it), plus the command's own
  W_create  = ceil(K / 2) on pelican for an apply that creates (K = most creates on one server; 2 creates a
              minute per server), else 0
`, o.margin, o.perResource, scaled, requestsPerDatabase)
}
