//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// burnEnv marks a child of the soak as a load process.
const burnEnv = "PTERODACTYL_SOAK_BURN"

// startLoad starts n processes that each keep one CPU busy, at the same priority as Terraform,
// and returns the function that stops them. They are processes, not goroutines, so that the
// kernel shares the CPUs between them and Terraform, the provider and the panel as it would on
// a loaded machine, and each of them also stops when the soak dies (burn watches its parent).
func startLoad(n int) (stop func(), err error) {
	if n == 0 {
		return func() {}, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var procs []*exec.Cmd
	stop = func() {
		for _, p := range procs {
			_ = p.Process.Kill()
			_ = p.Wait()
		}
	}
	for range n {
		cmd := exec.Command(self) //nolint:gosec,noctx // this very program, as a load process; stopped by stop
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", burnEnv, os.Getpid()))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		setParentDeathSignal(cmd.SysProcAttr)
		if err := cmd.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("starting a load process: %w", err)
		}
		procs = append(procs, cmd)
	}
	return stop, nil
}

// burn spins one CPU until the soak that started it is gone.
func burn() {
	runtime.GOMAXPROCS(1)
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				os.Exit(0)
			}
		}
	}()
	x := uint64(1)
	for {
		for range 1 << 20 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if x == 0 {
			fmt.Println(x) // never: keeps the loop from being optimised away
		}
	}
}
