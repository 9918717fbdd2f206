package panel

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// A reader that joins a list started by a caller with a short deadline must not fail with
// that caller's deadline.
func TestSharedListOutlivesTheFirstCallersDeadline(t *testing.T) {
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		writeJSON(w, 200, listBody)
	}, func(cfg *Config) { cfg.MaxRetries = -1 })
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	go func() { _, _ = c.ListDatabases(short, "1a7ce997", true) }()
	time.Sleep(20 * time.Millisecond)
	_, err := c.ListDatabases(context.Background(), "1a7ce997", true)
	if err != nil {
		t.Fatalf("caller without deadline failed: %v", err)
	}
}

// Creates through the UUID and through the identifier of one server are one server's creates,
// so they run one at a time.
func TestCreatesSerializedAcrossServerForms(t *testing.T) {
	var inflight, maxInflight atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n := inflight.Add(1)
			for {
				m := maxInflight.Load()
				if n <= m || maxInflight.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(200 * time.Millisecond)
			inflight.Add(-1)
			writeJSON(w, 200, `{"object":"server_database","attributes":{"id":"x`+r.URL.Path[len(r.URL.Path)-1:]+`","name":"s1_a","connections_from":"%","host":{"address":"h","port":3306}}}`)
			return
		}
		writeJSON(w, 200, listBody)
	}, nil)
	done := make(chan error, 2)
	for i, s := range []string{"1a7ce997", "1a7ce997-259b-452e-8b4e-cecc464142ca"} {
		go func() {
			_, err := c.CreateDatabase(t.Context(), s, CreateDatabaseInput{Name: []string{"a", "b"}[i] + "xx", Remote: "%"})
			done <- err
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if maxInflight.Load() > 1 {
		t.Fatalf("%d creates on one server were in flight at once", maxInflight.Load())
	}
}
