package mysqlhost

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// EnvDSN names the environment variable with the admin DSN of a running MySQL or MariaDB
// server for tests. `scripts/mariadb.sh env DIR` prints it for a server the script started.
const EnvDSN = "PTERODACTYL_TEST_MARIADB_DSN"

// cannotInstall is scripts/mariadb.sh's exit status for a machine where MariaDB is missing
// and cannot be installed.
const cannotInstall = 3

// DSNForTest returns the admin DSN of a server for tb: EnvDSN when it is set, otherwise a
// MariaDB that scripts/mariadb.sh installs (when missing) and starts in a temporary directory,
// stopped when tb ends. It skips tb, with the reason, only where MariaDB cannot be installed,
// and never under CI (CI set), where the check must run.
func DSNForTest(tb testing.TB) string {
	tb.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn
	}
	script, err := findScript()
	if err != nil {
		tb.Fatalf("%s is not set and %v", EnvDSN, err)
	}
	dir := tb.TempDir()
	// Registered after TempDir, so it runs before the directory is removed.
	tb.Cleanup(func() {
		//nolint:gosec,noctx // the repository's own script; tb's context is done by cleanup time
		if out, err := exec.Command("bash", script, "stop", dir).CombinedOutput(); err != nil {
			tb.Errorf("stopping MariaDB: %v\n%s", err, out)
		}
	})
	out, err := exec.CommandContext(tb.Context(), "bash", script, "start", dir).CombinedOutput() //nolint:gosec // the repository's own script
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == cannotInstall && os.Getenv("CI") == "":
		tb.Skipf("skipped: %s is not set and MariaDB cannot be installed here, so the credentials cannot be tried on a real server:\n%s", EnvDSN, out)
	case err != nil:
		tb.Fatalf("%s is not set, and starting MariaDB with %s failed: %v\n%s", EnvDSN, script, err, out)
	}
	dsn, err := readDSN(filepath.Join(dir, "env"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%s is not set: started a MariaDB for this test\n%s", EnvDSN, out)
	return dsn
}

// findScript finds scripts/mariadb.sh in the module root above the working directory, which
// for a test is its package's directory.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		script := filepath.Join(dir, "scripts", "mariadb.sh")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(script); err != nil {
				return "", err
			}
			return script, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory to find scripts/mariadb.sh from")
		}
		dir = parent
	}
}

// readDSN reads EnvDSN from the env file the script writes (NAME='value' lines).
func readDSN(path string) (string, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the test's own temporary directory
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), EnvDSN+"="); ok {
			return strings.Trim(v, "'"), nil
		}
	}
	return "", errors.New(path + " has no " + EnvDSN)
}
