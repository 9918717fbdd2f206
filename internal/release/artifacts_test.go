package release

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const projectName = "terraform-provider-pterodactyl"

// zipDocs are the files goreleaser puts beside the binary in each zip by default.
var zipDocs = []string{"CHANGELOG.md", "LICENSE", "README.md"}

// semver is the version form both registries accept, without build metadata.
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// TestReleaseArtifacts checks what goreleaser left in RELEASE_DIST against what the
// Terraform and OpenTofu registries require of a provider release:
//   - one zip per platform, named terraform-provider-pterodactyl_VERSION_OS_ARCH.zip;
//   - in each, at its root, the binary terraform-provider-pterodactyl_vVERSION (.exe on
//     Windows), built for that platform with that version;
//   - terraform-provider-pterodactyl_VERSION_SHA256SUMS, with the right digest of every zip and
//     of terraform-provider-pterodactyl_VERSION_manifest.json, and nothing else;
//   - that manifest, which is terraform-registry-manifest.json, saying protocol 6.0;
//   - with RELEASE_GNUPGHOME set, _SHA256SUMS.sig, a detached signature of the sums by a key
//     in that GnuPG home.
//
// RELEASE_PLATFORMS (such as "linux_amd64") lists the exact platforms to expect.
// `make release-check` sets all three after a snapshot release.
func TestReleaseArtifacts(t *testing.T) {
	dist := os.Getenv("RELEASE_DIST")
	if dist == "" {
		t.Skip("RELEASE_DIST is not set: `make release-check` builds a snapshot release and runs this test on it")
	}
	root := repoRoot(t)

	var meta struct {
		ProjectName string `json:"project_name"`
		Version     string `json:"version"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dist, "metadata.json")), &meta); err != nil {
		t.Fatalf("%s/metadata.json: %v", dist, err)
	}
	if meta.ProjectName != projectName {
		t.Errorf("goreleaser's project name is %q; want %q (project_name in .goreleaser.yml): the registries find releases by the file names it makes", meta.ProjectName, projectName)
	}
	version := meta.Version
	if !semver.MatchString(version) {
		t.Fatalf("release version %q is not semver; the registries refuse it", version)
	}
	prefix := projectName + "_" + version + "_"
	t.Logf("release %s in %s", version, dist)

	zips, err := filepath.Glob(filepath.Join(dist, "*.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if len(zips) == 0 {
		t.Fatalf("no zip in %s", dist)
	}
	var platforms []string
	for _, path := range zips {
		name := filepath.Base(path)
		platform, ok := strings.CutPrefix(strings.TrimSuffix(name, ".zip"), prefix)
		if !ok || strings.Count(platform, "_") != 1 {
			t.Errorf("zip %s is not named %sOS_ARCH.zip", name, prefix)
			continue
		}
		platforms = append(platforms, platform)
		checkZip(t, path, version, platform)
	}
	if want := strings.Fields(os.Getenv("RELEASE_PLATFORMS")); want != nil {
		slices.Sort(want)
		slices.Sort(platforms)
		if !slices.Equal(platforms, want) {
			t.Errorf("zips for %v; want exactly %v", platforms, want)
		}
	}

	manifestName := prefix + "manifest.json"
	manifest := readFile(t, filepath.Join(root, "terraform-registry-manifest.json"))
	checkManifest(t, manifest)

	sumsPath := filepath.Join(dist, prefix+"SHA256SUMS")
	sums := readSums(t, sumsPath)
	want := map[string]string{manifestName: digest(manifest)}
	for _, path := range zips {
		want[filepath.Base(path)] = digest(readFile(t, path))
	}
	for name, sum := range want {
		switch got, ok := sums[name]; {
		case !ok:
			t.Errorf("%s does not list %s", filepath.Base(sumsPath), name)
		case got != sum:
			t.Errorf("%s gives %s for %s; the file's SHA-256 is %s", filepath.Base(sumsPath), got, name, sum)
		}
	}
	for name := range sums {
		if _, ok := want[name]; !ok {
			t.Errorf("%s lists %s, which is neither a zip of the release nor its manifest", filepath.Base(sumsPath), name)
		}
	}

	if home := os.Getenv("RELEASE_GNUPGHOME"); home != "" {
		sig := sumsPath + ".sig"
		if _, err := os.Stat(sig); err != nil { //nolint:gosec // the release directory the make target names
			t.Fatalf("no signature of the sums: %v", err)
		}
		//nolint:gosec // gpg, on files this test found in the release directory
		out, err := exec.CommandContext(t.Context(), "gpg", "--homedir", home, "--batch", "--verify", sig, sumsPath).CombinedOutput()
		if err != nil {
			t.Fatalf("gpg --verify %s: %v\n%s", filepath.Base(sig), err, out)
		}
		t.Logf("%s verifies: %s", filepath.Base(sig), bytes.TrimSpace(out))
	} else {
		t.Log("RELEASE_GNUPGHOME is not set: the signature is not checked")
	}
}

// checkZip checks that the zip holds, at its root, exactly the provider binary for platform
// and goreleaser's documentation files.
func checkZip(t *testing.T, path, version, platform string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(path), err)
		return
	}
	defer func() { _ = zr.Close() }()
	goos, goarch, _ := strings.Cut(platform, "_")
	binary := projectName + "_v" + version
	if goos == "windows" {
		binary += ".exe"
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name != binary {
			continue
		}
		if goos != "windows" && f.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s: %s is not executable (mode %v)", filepath.Base(path), f.Name, f.Mode())
		}
		checkBinary(t, f, version, goos, goarch)
	}
	want := append([]string{binary}, zipDocs...)
	slices.Sort(want)
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("%s holds %v; want %v", filepath.Base(path), names, want)
	}
}

// checkBinary checks the binary in the zip: built by Go for its platform without cgo,
// stamped with the version (-X main.version, which the build information omits under
// -trimpath, so the string itself is looked for), and, on this machine's platform, a plugin
// that starts and says so.
func checkBinary(t *testing.T, f *zip.File, version, goos, goarch string) {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Error(err)
		return
	}
	data, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s is not a Go binary: %v", f.Name, err)
		return
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["GOOS"] != goos || settings["GOARCH"] != goarch {
		t.Errorf("%s is built for %s_%s; its zip says %s_%s", f.Name, settings["GOOS"], settings["GOARCH"], goos, goarch)
	}
	if settings["CGO_ENABLED"] != "0" {
		t.Errorf("%s is built with CGO_ENABLED=%q; want 0, a static binary", f.Name, settings["CGO_ENABLED"])
	}
	if !bytes.Contains(data, []byte(version)) {
		t.Errorf("%s does not contain its version %s: it was not built with -X main.version", f.Name, version)
	}
	if goos != runtime.GOOS || goarch != runtime.GOARCH {
		return
	}
	path := filepath.Join(t.TempDir(), "provider")
	if err := os.WriteFile(path, data, 0o700); err != nil { //nolint:gosec // an executable, in the test's own temporary directory
		t.Fatal(err)
	}
	// Started by hand rather than by Terraform, a plugin explains itself and exits 1.
	out, err := exec.CommandContext(t.Context(), path).CombinedOutput() //nolint:gosec // the binary under test
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !bytes.Contains(out, []byte("This binary is a plugin.")) {
		t.Errorf("%s, started by hand, exited with %v and printed %q; want exit status 1 and go-plugin's \"This binary is a plugin.\"", f.Name, err, out)
	}
}

// checkManifest checks the registry manifest: format version 1, plugin protocol 6.0 only.
func checkManifest(t *testing.T, b []byte) {
	t.Helper()
	var m struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("terraform-registry-manifest.json: %v", err)
	}
	if m.Version != 1 || !slices.Equal(m.Metadata.ProtocolVersions, []string{"6.0"}) {
		t.Errorf("terraform-registry-manifest.json says version %d, protocol_versions %v; want 1 and [6.0]: the provider serves protocol 6 only", m.Version, m.Metadata.ProtocolVersions)
	}
}

var sumLine = regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)

// readSums reads a SHA256SUMS file: "<hex digest>  <file name>" lines, each name once.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		m := sumLine.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("%s: line %q is not \"<sha256>  <name>\"", filepath.Base(path), sc.Text())
		}
		if _, dup := sums[m[2]]; dup {
			t.Fatalf("%s lists %s twice", filepath.Base(path), m[2])
		}
		sums[m[2]] = m[1]
	}
	return sums
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
