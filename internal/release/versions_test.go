package release

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ciVersions is .ci/versions.json: the Terraform and OpenTofu minor lines the workflow's
// acceptance matrix runs the suite on, oldest first.
type ciVersions struct {
	Terraform []string `json:"terraform"`
	OpenTofu  []string `json:"opentofu"`
}

// repoRoot is the module root: the tests run in internal/release.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod two levels above the test: %v", err)
	}
	return root
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // files of this repository
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readVersions(t *testing.T) ciVersions {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readFile(t, filepath.Join(repoRoot(t), ".ci", "versions.json"))))
	dec.DisallowUnknownFields()
	var v ciVersions
	if err := dec.Decode(&v); err != nil {
		t.Fatalf(".ci/versions.json: %v", err)
	}
	return v
}

var minorLine = regexp.MustCompile(`^1\.(\d+)\.\*$`)

// minors checks that lines are "1.N.*" patterns for consecutive N, and returns the N.
func minors(t *testing.T, name string, lines []string) []int {
	t.Helper()
	if len(lines) == 0 {
		t.Fatalf(".ci/versions.json: %s lists no versions", name)
	}
	var out []int
	for i, l := range lines {
		m := minorLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf(".ci/versions.json: %s[%d] = %q; want a minor line such as \"1.5.*\", which setup-terraform and setup-opentofu resolve to its newest patch", name, i, l)
		}
		n, _ := strconv.Atoi(m[1])
		if i > 0 && n != out[i-1]+1 {
			t.Fatalf(".ci/versions.json: %s goes from 1.%d.* to %q; list every minor line in between, oldest first", name, out[i-1], l)
		}
		out = append(out, n)
	}
	return out
}

// pinnedMinors returns the minor numbers, each once, of the CLI versions that pattern finds
// in the GNUmakefile, such as 5 for terraform-1.5.7.
func pinnedMinors(makefile []byte, pattern string) []int {
	var out []int
	for _, m := range regexp.MustCompile(pattern).FindAllSubmatch(makefile, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestVersionsFile checks .ci/versions.json against the CLIs that .ci/run tests here: the
// workflow's matrix starts at the oldest supported Terraform, the one `make test-1.5.7` builds
// (TF157 in the GNUmakefile), ends at the newest, the one `make test-1.16` builds
// (TF116_VERSION), and includes every other Terraform and OpenTofu version the GNUmakefile
// pins, so that nothing tested here is left out there, and the workflow tests nothing newer
// than what is tested here.
func TestVersionsFile(t *testing.T) {
	v := readVersions(t)
	tf := minors(t, "terraform", v.Terraform)
	tofu := minors(t, "opentofu", v.OpenTofu)
	makefile := readFile(t, filepath.Join(repoRoot(t), "GNUmakefile"))

	oldest := pinnedMinors(makefile, `(?m)^TF157\s*:=\s*\$\(BIN\)/terraform-1\.(\d+)\.\d+/terraform$`)
	if len(oldest) != 1 {
		t.Fatalf("GNUmakefile: want one TF157 := $(BIN)/terraform-1.N.P/terraform line, found %d", len(oldest))
	}
	if tf[0] != oldest[0] {
		t.Errorf(".ci/versions.json: terraform starts at %s; want 1.%d.*, the oldest supported version (TF157 in the GNUmakefile)", v.Terraform[0], oldest[0])
	}
	newest := pinnedMinors(makefile, `(?m)^TF116_VERSION\s*:=\s*1\.(\d+)\.\d+$`)
	if len(newest) != 1 {
		t.Fatalf("GNUmakefile: want one TF116_VERSION := 1.N.P line, found %d", len(newest))
	}
	if last := tf[len(tf)-1]; last != newest[0] {
		t.Errorf(".ci/versions.json: terraform ends at %s; want 1.%d.*, the newest version .ci/run tests (TF116_VERSION in the GNUmakefile)", v.Terraform[len(v.Terraform)-1], newest[0])
	}
	pinned := append(pinnedMinors(makefile, `terraform-1\.(\d+)\.\d+`), newest...)
	for _, n := range pinned {
		if !slices.Contains(tf, n) {
			t.Errorf(".ci/versions.json: terraform %v lacks 1.%d.*, which the GNUmakefile pins", v.Terraform, n)
		}
	}
	for _, n := range pinnedMinors(makefile, `(?m)^TOFU_VERSION\s*:=\s*1\.(\d+)\.\d+$`) {
		if !slices.Contains(tofu, n) {
			t.Errorf(".ci/versions.json: opentofu %v lacks 1.%d.*, which the GNUmakefile pins (TOFU_VERSION)", v.OpenTofu, n)
		}
	}
}

// TestWorkflowsReadVersions checks that .ci/versions.json is the workflows' only list of CLI
// versions: the versions job reads it, the matrices take what it read, and every
// setup-terraform and setup-opentofu step installs a version from there, never a literal.
func TestWorkflowsReadVersions(t *testing.T) {
	root := repoRoot(t)
	test := string(readFile(t, filepath.Join(root, ".github", "workflows", "test.yml")))
	for _, want := range []string{
		`echo "terraform=$(jq -c .terraform .ci/versions.json)"`,
		`echo "opentofu=$(jq -c .opentofu .ci/versions.json)"`,
		`echo "terraform-newest=$(jq -r '.terraform[-1]' .ci/versions.json)"`,
		`echo "opentofu-newest=$(jq -r '.opentofu[-1]' .ci/versions.json)"`,
		`terraform: ${{ fromJSON(needs.versions.outputs.terraform) }}`,
		`opentofu: ${{ fromJSON(needs.versions.outputs.opentofu) }}`,
	} {
		if !strings.Contains(test, want) {
			t.Errorf(".github/workflows/test.yml does not contain %q", want)
		}
	}

	allowed := []string{
		"${{ matrix.terraform }}",
		"${{ matrix.opentofu }}",
		"${{ needs.versions.outputs.terraform-newest }}",
		"${{ needs.versions.outputs.opentofu-newest }}",
	}
	setting := regexp.MustCompile(`(?m)^\s*(terraform_version|tofu_version):\s*(.*?)\s*$`)
	workflows, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range workflows {
		for _, m := range setting.FindAllStringSubmatch(string(readFile(t, path)), -1) {
			seen[m[1]+": "+m[2]] = true
			if !slices.Contains(allowed, m[2]) {
				t.Errorf("%s: %s: %s; take the version from .ci/versions.json through the versions job (one of %v)", filepath.Base(path), m[1], m[2], allowed)
			}
		}
	}
	for _, want := range []string{"terraform_version: ${{ matrix.terraform }}", "tofu_version: ${{ matrix.opentofu }}"} {
		if !seen[want] {
			t.Errorf("no workflow step sets %q: the matrix is not what the CLI setup installs", want)
		}
	}
}
