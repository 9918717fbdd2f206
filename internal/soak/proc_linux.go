//go:build linux

package main

import "syscall"

// setParentDeathSignal makes the kernel kill the child when the soak dies.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
