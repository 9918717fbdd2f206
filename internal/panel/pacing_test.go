package panel

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// fakeClock is shared by the panel's rate-limit windows and the client's waits, so a wait
// the panel asks for passes at once.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// Pelican allows two creates a minute per server. Ten creates at once, as Terraform's default
// parallelism sends them, must all succeed at the panel's pace, and the retry wait limit must
// not cut them short.
func TestCreatesOnOneServerFollowPelicansThrottle(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	p := paneltest.Start(t, paneltest.Options{Flavor: paneltest.Pelican, Now: clock.Now})
	srv := p.AddServer(paneltest.Server{})
	key := p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})
	c, err := New(Config{URL: p.URL(), APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = clock.sleep
	c.now = clock.Now

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() {
			if _, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: fmt.Sprintf("db%02d", i), Remote: "%"}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(p.Databases(srv.Identifier)); n != 10 {
		t.Fatalf("panel holds %d databases, want 10", n)
	}
	// Two creates fit each minute, so ten take five windows; at most one refused attempt per
	// window is spent finding where a window ends.
	if n := p.Requests(paneltest.RouteCreateDatabase); n > 10+5 {
		t.Fatalf("%d create requests for 10 databases", n)
	}
}
