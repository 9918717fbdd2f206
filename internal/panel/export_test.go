package panel

// DisableSharing turns list sharing off, for tests of the request path that count requests
// call by call.
func DisableSharing(c *Client) { c.record.off = true }
