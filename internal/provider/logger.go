package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

const logSubsystem = "panel"

// tfLogger sends the panel client's log lines to Terraform's log, in the "panel" subsystem,
// with the API key masked wherever it might appear.
type tfLogger struct {
	apiKey string
}

func newLogger(apiKey string) tfLogger { return tfLogger{apiKey: apiKey} }

func (l tfLogger) prepare(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem)
	ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, l.apiKey)
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, l.apiKey)
	return tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, logSubsystem, "api_key", "password", "authorization")
}

func (l tfLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemDebug(l.prepare(ctx), logSubsystem, msg, fields)
}

func (l tfLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemWarn(l.prepare(ctx), logSubsystem, msg, fields)
}
