//go:build unix && !linux

package main

import "syscall"

// setParentDeathSignal does nothing where there is no parent-death signal; load processes
// notice on their own that the soak is gone (burn).
func setParentDeathSignal(*syscall.SysProcAttr) {}
