//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// providerVersion is the version the soak's provider is installed under in its local mirror.
const providerVersion = "0.0.1"

// hostnames are the registries a provider source without one resolves to: Terraform's, and
// OpenTofu's. The mirror holds the provider under both, so either CLI installs it.
var hostnames = []string{"registry.terraform.io", "registry.opentofu.org"}

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
	var built string
	for _, host := range hostnames {
		dir := filepath.Join(mirror, host, "panelform/pterodactyl", providerVersion, runtime.GOOS+"_"+runtime.GOARCH)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		dst := filepath.Join(dir, "terraform-provider-pterodactyl_v"+providerVersion)
		if built != "" {
			if err := os.Link(built, dst); err != nil {
				return nil, err
			}
			continue
		}
		build := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+providerVersion, "-o", dst, ".") //nolint:gosec // builds this repository into the soak's own directory
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building the provider: %w\n%s", err, out)
		}
		built = dst
	}
	var include []string
	for _, host := range hostnames {
		include = append(include, fmt.Sprintf("%q", host+"/panelform/pterodactyl"))
	}
	list := strings.Join(include, ", ")
	rc := filepath.Join(work, "terraform.rc")
	cfg := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%s]
  }
  direct {
    exclude = [%s]
  }
}
`, mirror, list, list)
	if err := os.WriteFile(rc, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		// Settings of the caller's own Terraform and provider must not leak into the runs.
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "TOFU_") ||
			strings.HasPrefix(k, "PTERODACTYL_") || strings.HasPrefix(k, "PANELBENCH_") || k == burnEnv {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
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
