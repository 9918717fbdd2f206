//go:build panelbench

package panel

import "os"

// Builds tagged panelbench (the provider binary `make bench` builds) can turn sharing off
// through the environment (list sharing, the per-process server reads and the per-server
// snapshots), so the benchmark measures the same refresh and the same creates with and without
// it. Release builds never read this variable.
func init() {
	if os.Getenv("PANELBENCH_SHARING") == "off" {
		shareLists = false
	}
}
