package panel

import (
	"context"
	"sync"
)

// serverLocks serializes work per server; the zero value is ready to use.
type serverLocks struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
	// waiting, when set, is called when acquire finds the slot taken; tests use it to know
	// that a create waits for another.
	waiting func()
}

// acquire waits for the server's slot or for ctx, and returns the release function.
func (l *serverLocks) acquire(ctx context.Context, server string) (func(), error) {
	l.mu.Lock()
	if l.slots == nil {
		l.slots = map[string]chan struct{}{}
	}
	slot, ok := l.slots[server]
	if !ok {
		slot = make(chan struct{}, 1)
		l.slots[server] = slot
	}
	waiting := l.waiting
	l.mu.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	default:
	}
	if waiting != nil {
		waiting()
	}
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
