package provider

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestLoggerMasksTheAPIKey(t *testing.T) {
	const key = "ptlc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &out)
	l := newLogger(key)
	l.Debug(ctx, "message with "+key, map[string]any{"error": "dial failed for " + key, "api_key": key, "password": "Xy!secret"})
	l.Warn(ctx, "retrying", map[string]any{"operation": "list databases", "attempt": 2})

	logs := out.String()
	if !strings.Contains(logs, "list databases") || !strings.Contains(logs, `"@module":"provider.panel"`) {
		t.Fatalf("log lines missing or not in the panel subsystem:\n%s", logs)
	}
	for _, secret := range []string{key, "Xy!secret"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("%q reached the log:\n%s", secret, logs)
		}
	}
}
