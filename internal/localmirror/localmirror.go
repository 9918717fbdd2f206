// Package localmirror installs a build of the provider where a Terraform or OpenTofu CLI finds
// it without a registry: a filesystem mirror and a private CLI configuration in a working
// directory, so that nothing outside it is read or changed. The commands that drive the CLI
// against the in-memory panel (make bench, make soak) use it.
package localmirror

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Hosts are the registries a provider source without one resolves to: Terraform's and
// OpenTofu's. The mirror holds the provider under both, so either CLI installs it.
var Hosts = []string{"registry.terraform.io", "registry.opentofu.org"}

// RepoRoot finds the module root from the working directory, so that a command started
// anywhere inside the repository can build it; command names it in the error.
func RepoRoot(command string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory: run %s from inside the repository", command)
		}
		dir = parent
	}
}

// Build builds pkg of the repository at root, with the go build flags given, into the
// filesystem mirror at mirror as panelform/pterodactyl at version, under every host.
func Build(ctx context.Context, root, mirror, version, pkg string, flags ...string) error {
	var built string
	for _, host := range Hosts {
		dir := filepath.Join(mirror, host, "panelform/pterodactyl", version, runtime.GOOS+"_"+runtime.GOARCH)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		name := "terraform-provider-pterodactyl_v" + version
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		dst := filepath.Join(dir, name)
		if built != "" {
			if err := linkOrCopy(built, dst); err != nil {
				return err
			}
			continue
		}
		args := append(append([]string{"build"}, flags...), "-o", dst, pkg)
		build := exec.CommandContext(ctx, "go", args...) //nolint:gosec // builds this repository into the caller's own directory
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building the provider: %w\n%s", err, out)
		}
		built = dst
	}
	return nil
}

// WriteCLIConfig writes, at path, a CLI configuration that installs panelform/pterodactyl from
// the mirror and from nowhere else.
func WriteCLIConfig(path, mirror string) error {
	include := make([]string, 0, len(Hosts))
	for _, host := range Hosts {
		include = append(include, fmt.Sprintf("%q", host+"/panelform/pterodactyl"))
	}
	list := strings.Join(include, ", ")
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
	return os.WriteFile(path, []byte(cfg), 0o600)
}

// Env is this process's environment for running the CLI with the configuration at rc: the
// settings of the caller's own Terraform, OpenTofu and provider are left out, so that they do
// not leak into the runs.
func Env(rc string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "TOFU_") || strings.HasPrefix(k, "PTERODACTYL_") ||
			strings.HasPrefix(k, "PANELBENCH_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// linkOrCopy puts the file from at to, hard-linked where the file system allows.
func linkOrCopy(from, to string) error {
	if os.Link(from, to) == nil {
		return nil
	}
	src, err := os.Open(from) //nolint:gosec // the binary just built
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o700) //nolint:gosec // the caller's own directory
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		return err
	}
	return dst.Close()
}
