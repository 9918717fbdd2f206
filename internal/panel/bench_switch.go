//go:build panelbench

package panel

import "os"

// Builds tagged panelbench (the provider binary `make bench` builds) can turn list sharing off
// through the environment, so the benchmark measures the same refresh with and without it.
// Release builds never read this variable.
func init() {
	if os.Getenv("PANELBENCH_SHARING") == "off" {
		shareLists = false
	}
}
