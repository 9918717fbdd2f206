//go:build unix

// Command provider is the provider binary `make bench` builds, with the panelbench tag: the
// released provider, plus two things only a benchmark needs. PANELBENCH_SHARING=off turns the
// client's list sharing off (internal/panel/bench_switch.go), and PANELBENCH_RSS_FILE names a
// file to which the process appends its peak resident memory and CPU time when Terraform shuts
// it down, since it runs as Terraform's child and is gone before anyone else could read them.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/panelform/terraform-provider-pterodactyl/internal/provider"
)

func main() {
	err := providerserver.Serve(context.Background(), provider.New("bench"), providerserver.ServeOpts{
		Address: "registry.terraform.io/panelform/pterodactyl",
	})
	if rerr := reportPeak(os.Getenv("PANELBENCH_RSS_FILE")); rerr != nil {
		log.Print(rerr)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// reportPeak appends "<pid> <peak RSS in KiB> <CPU time in µs>" to path. The peak is ru_maxrss,
// which Linux keeps in KiB and which equals VmHWM in /proc/self/status.
func reportPeak(path string) error {
	if path == "" {
		return nil
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("reading the peak memory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) //nolint:gosec // the file the bench named
	if err != nil {
		return fmt.Errorf("recording the peak memory: %w", err)
	}
	cpu := ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000
	_, werr := fmt.Fprintf(f, "%d %d %d\n", os.Getpid(), ru.Maxrss, cpu)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
