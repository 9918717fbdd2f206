package panel

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// What retrying cannot mend fails at once, each with its own cause; what may pass (a panel
// restarting) is retried.

func TestFailuresThatCannotPassAreNotRetried(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, listBody) }))
	t.Cleanup(plain.Close)
	private := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, listBody) }))
	private.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	private.StartTLS()
	t.Cleanup(private.Close)

	// The resolver's answer for a name that does not exist, as the dialer reports it.
	var dials atomic.Int32
	noSuchHost := &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}}
	cases := []struct {
		name  string
		url   string
		tr    *http.Transport
		cause TransportCause
		text  string
	}{
		{"host not found", "https://panel.invalid", noSuchHost, CauseHostNotFound, "no such host"},
		{"https to plain http", strings.Replace(plain.URL, "http://", "https://", 1), nil, CauseNotTLS, "server gave HTTP response to HTTPS client"},
		{"unknown certificate authority", private.URL, nil, CauseCertificate, "certificate signed by unknown authority"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{URL: tc.url, APIKey: testKey}
			if tc.tr != nil {
				cfg.HTTPClient = &http.Client{Transport: tc.tr}
			}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rec := &sleepRecorder{}
			c.sleep = rec.sleep
			_, err = c.ListDatabases(t.Context(), "1a7ce997", false)
			if got := TransportCauseOf(err); got != tc.cause {
				t.Fatalf("cause of %v = %d, want %d", err, got, tc.cause)
			}
			if !strings.Contains(err.Error(), tc.text) || strings.Contains(err.Error(), "gave up after") {
				t.Fatalf("error %q, want %q from the first attempt", err, tc.text)
			}
			if len(rec.waits) != 0 {
				t.Fatalf("waits = %v: a failure that cannot pass was retried", rec.waits)
			}
		})
	}
	if dials.Load() != 1 {
		t.Fatalf("%d dials for the unknown host, want 1", dials.Load())
	}
}
