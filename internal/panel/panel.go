package panel

import "sync"

// Client talks to one panel with one API key. It is safe for concurrent use.
type Client struct {
	*conn
	record      knowledge
	creates     serverLocks // database creates, by server
	createNames serverLocks // database creates, by server and name
	hostMade    serverLocks // host creates, by name
	// appAccess holds, per server, CheckApplicationAccess's lasting answer (an error or nil).
	appAccess sync.Map
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	c, err := newConn(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{conn: c, record: knowledge{off: !shareLists, ttl: shareFor}}, nil
}
