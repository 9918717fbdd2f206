package panel

// DisableSharing turns list sharing off, for tests of the request path that count requests
// call by call.
func DisableSharing(c *Client) { c.record.off = true }

// SetMaxServerPages bounds server lists at n pages until the returned func runs.
func SetMaxServerPages(n int) (restore func()) {
	old := maxServerPages
	maxServerPages = n
	return func() { maxServerPages = old }
}
