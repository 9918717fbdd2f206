//go:build unix

package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/localmirror"
)

// providerVersion is the version the soak's provider is installed under in its local mirror.
const providerVersion = "0.0.1"

// cli is one Terraform or OpenTofu binary with a private CLI configuration that installs the
// provider from a local filesystem mirror: nothing is downloaded, nothing outside the working
// directory is read or changed.
type cli struct {
	bin     string
	version string // first line of `version`
	env     []string
}

// setup builds the provider from the repository into a filesystem mirror, writes the CLI
// configuration, and asks the CLI its version.
func setup(ctx context.Context, root, work, terraform string) (*cli, error) {
	bin, err := exec.LookPath(terraform)
	if err != nil {
		return nil, fmt.Errorf("the Terraform CLI %q: %w", terraform, err)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, err
	}
	mirror := filepath.Join(work, "mirror")
	fmt.Println("soak: building the provider into a local mirror")
	if err := localmirror.Build(ctx, root, mirror, providerVersion, ".", "-ldflags", "-X main.version="+providerVersion); err != nil {
		return nil, err
	}
	rc := filepath.Join(work, "terraform.rc")
	if err := localmirror.WriteCLIConfig(rc, mirror); err != nil {
		return nil, err
	}
	env := localmirror.Env(rc)
	c := &cli{bin: bin, env: env}
	vctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(vctx, bin, "version") //nolint:gosec // the CLI named by -terraform
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s version: %w", bin, err)
	}
	c.version = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	return c, nil
}

// describeSource names the provider source that was built: the commit, and whether the work
// tree differs from it.
func describeSource(ctx context.Context, root string) string {
	rev, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output() //nolint:gosec // git on the repository the soak builds
	if err != nil {
		return root
	}
	desc := root + " at " + strings.TrimSpace(string(rev))
	if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 { //nolint:gosec // as above
		desc += " with uncommitted changes"
	}
	return desc
}
