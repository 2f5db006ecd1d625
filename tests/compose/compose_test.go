// Package compose checks docker-compose.yaml, the Docker demo stack: the services, images, mounts,
// ports and environment the plugin, the provisioning files and the seed script rely on. When the
// docker compose plugin works it validates and normalises the file (`docker compose config`);
// otherwise (no compose plugin, as on the CI machines) the YAML is parsed directly.
package compose

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const pluginID = "dte-trust-datasource"

// mount is a bind or volume mount in normalised form.
type mount struct {
	Type     string // bind or volume
	Source   string // host path (absolute after docker compose config) or volume name
	Target   string
	ReadOnly bool
}

// service is a service in normalised form.
type service struct {
	Image       string
	Command     []string
	Entrypoint  []string
	Environment map[string]string
	Mounts      []mount
	Ports       []string // "hostIP:published->target"
	DependsOn   map[string]string
	Healthcheck bool
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// load reads docker-compose.yaml, through `docker compose config` when it works.
func load(t *testing.T) (map[string]*service, string) {
	t.Helper()
	root := repoRoot(t)
	file := filepath.Join(root, "docker-compose.yaml")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no docker-compose.yaml at the repository root: %v", err)
	}
	if _, err := exec.LookPath("docker"); err == nil {
		if exec.Command("docker", "compose", "version").Run() == nil {
			cmd := exec.Command("docker", "compose", "-f", file, "config", "--format", "json", "--no-interpolate")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("docker compose config rejects docker-compose.yaml: %v\n%s", err, stderr.String())
			}
			return parse(t, out, root), "docker compose config"
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, b, root), "YAML parse (no docker compose plugin here)"
}

// parse normalises a compose document (YAML, or the JSON of docker compose config).
func parse(t *testing.T, b []byte, root string) map[string]*service {
	t.Helper()
	var doc struct {
		Services map[string]map[string]any `yaml:"services"`
		Volumes  map[string]any            `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docker-compose.yaml is not valid YAML: %v", err)
	}
	if len(doc.Services) == 0 {
		t.Fatal("docker-compose.yaml has no services")
	}
	out := map[string]*service{}
	for name, raw := range doc.Services {
		s := &service{Environment: map[string]string{}, DependsOn: map[string]string{}}
		s.Image, _ = raw["image"].(string)
		s.Command = stringList(raw["command"])
		s.Entrypoint = stringList(raw["entrypoint"])
		switch env := raw["environment"].(type) {
		case map[string]any:
			for k, v := range env {
				s.Environment[k] = scalar(v)
			}
		case []any:
			for _, e := range env {
				k, v, _ := strings.Cut(scalar(e), "=")
				s.Environment[k] = v
			}
		}
		for _, v := range asList(raw["volumes"]) {
			m, err := parseMount(v, root, doc.Volumes)
			if err != nil {
				t.Errorf("service %s: %v", name, err)
				continue
			}
			s.Mounts = append(s.Mounts, m)
		}
		for _, p := range asList(raw["ports"]) {
			s.Ports = append(s.Ports, parsePort(p))
		}
		switch dep := raw["depends_on"].(type) {
		case []any:
			for _, d := range dep {
				s.DependsOn[scalar(d)] = "service_started"
			}
		case map[string]any:
			for k, v := range dep {
				cond := "service_started"
				if m, ok := v.(map[string]any); ok && m["condition"] != nil {
					cond = scalar(m["condition"])
				}
				s.DependsOn[k] = cond
			}
		}
		if hc, ok := raw["healthcheck"].(map[string]any); ok && hc["test"] != nil {
			s.Healthcheck = true
		}
		out[name] = s
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func scalar(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = scalar(e)
		}
		return out
	}
	return nil
}

// parseMount reads the short ("src:dst[:ro]") and the long ({type, source, target}) syntax.
func parseMount(v any, root string, volumes map[string]any) (mount, error) {
	var m mount
	switch x := v.(type) {
	case string:
		parts := strings.Split(x, ":")
		if len(parts) < 2 {
			return m, fmt.Errorf("volume %q has no target", x)
		}
		m.Source, m.Target = parts[0], parts[1]
		m.ReadOnly = len(parts) > 2 && strings.Contains(parts[2], "ro")
	case map[string]any:
		m.Type = scalar(x["type"])
		m.Source, m.Target = scalar(x["source"]), scalar(x["target"])
		m.ReadOnly, _ = x["read_only"].(bool)
	default:
		return m, fmt.Errorf("volume entry %v has an unknown form", v)
	}
	if m.Type == "" {
		m.Type = "volume"
		if strings.HasPrefix(m.Source, ".") || strings.HasPrefix(m.Source, "/") {
			m.Type = "bind"
		}
	}
	if m.Type == "bind" && !filepath.IsAbs(m.Source) {
		m.Source = filepath.Join(root, m.Source)
	}
	if m.Type == "volume" {
		if _, ok := volumes[m.Source]; !ok {
			return m, fmt.Errorf("named volume %q is not declared under volumes:", m.Source)
		}
	}
	return m, nil
}

// parsePort renders a port as "hostIP:published->target".
func parsePort(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return fmt.Sprintf("%s:%s->%s", scalar(x["host_ip"]), scalar(x["published"]), scalar(x["target"]))
	default:
		s := strings.TrimSuffix(scalar(v), "/tcp")
		parts := strings.Split(s, ":")
		switch len(parts) {
		case 3:
			return parts[0] + ":" + parts[1] + "->" + parts[2]
		case 2:
			return ":" + parts[0] + "->" + parts[1]
		default:
			return ":" + s + "->" + s
		}
	}
}

func (s *service) mountAt(target string) *mount {
	for i := range s.Mounts {
		if s.Mounts[i].Target == target {
			return &s.Mounts[i]
		}
	}
	return nil
}

// mountUnder is the mount whose target is path or a directory above it.
func (s *service) mountUnder(path string) *mount {
	if path == "" {
		return nil
	}
	var best *mount
	for i := range s.Mounts {
		t := s.Mounts[i].Target
		if (path == t || strings.HasPrefix(path, strings.TrimSuffix(t, "/")+"/")) && (best == nil || len(t) > len(best.Target)) {
			best = &s.Mounts[i]
		}
	}
	return best
}

// shiftWriter names the service that runs python/seed/shift_demo.py with volume mounted writable
// and fixture bind-mounted, or "".
func shiftWriter(services map[string]*service, volume, fixture string) string {
	for name, s := range services {
		if !strings.Contains(strings.Join(append(append([]string{}, s.Entrypoint...), s.Command...), " "), "shift_demo.py") {
			continue
		}
		writes, reads := false, false
		for _, m := range s.Mounts {
			if m.Type == "volume" && m.Source == volume && !m.ReadOnly {
				writes = true
			}
			if m.Type == "bind" && m.Source == fixture {
				reads = true
			}
		}
		if writes && reads {
			return name
		}
	}
	return ""
}

func (s *service) publishes(hostPort, target string) bool {
	for _, p := range s.Ports {
		hp := strings.SplitN(p, "->", 2)
		pub := hp[0][strings.LastIndex(hp[0], ":")+1:]
		if pub == hostPort && len(hp) == 2 && hp[1] == target {
			return true
		}
	}
	return false
}

// TestComposeStack checks the services the demo stack needs and how they are wired.
func TestComposeStack(t *testing.T) {
	services, how := load(t)
	t.Logf("docker-compose.yaml read by %s: services %v", how, keys(services))
	root := repoRoot(t)

	g := services["grafana"]
	if g == nil {
		t.Fatal("no grafana service")
	}
	// Official image, pinned by default to a 13.x release and overridable with GRAFANA_VERSION
	// (`docker compose config` has already put in the default or the caller's value).
	if !regexp.MustCompile(`^(docker\.io/)?grafana/grafana(-enterprise|-oss)?:(\$\{GRAFANA_VERSION:-13\.\d+\.\d+\}|1[23]\.\d+\.\d+)$`).MatchString(g.Image) {
		t.Errorf("grafana image %q: want the official grafana/grafana image, grafana/grafana:${GRAFANA_VERSION:-13.x.y}", g.Image)
	}
	if v := g.Environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"]; !containsItem(strings.Split(v, ","), pluginID) {
		t.Errorf("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS is %q, want it to list %s", v, pluginID)
	}
	if m := g.mountAt("/var/lib/grafana/plugins/" + pluginID); m == nil || m.Type != "bind" || m.Source != filepath.Join(root, "dist") {
		t.Errorf("the plugin must be mounted from ./dist at /var/lib/grafana/plugins/%s, got %+v", pluginID, m)
	}
	for _, kind := range []string{"datasources", "dashboards", "alerting"} {
		src := filepath.Join(root, "provisioning", kind)
		m := g.mountAt("/etc/grafana/provisioning/" + kind)
		if all := g.mountAt("/etc/grafana/provisioning"); m == nil && all != nil && all.Source == filepath.Join(root, "provisioning") {
			m, src = all, all.Source
		}
		if m == nil || m.Source != src {
			t.Errorf("provisioning/%s is not mounted at /etc/grafana/provisioning/%s (got %+v)", kind, kind, m)
		}
	}
	if !g.publishes("3000", "3000") {
		t.Errorf("grafana does not publish port 3000 (ports %v)", g.Ports)
	}

	// Every variable the provisioning files read is set, and each path variable is a mount target
	// whose source exists in the repository.
	for _, v := range provisioningVars(t, root) {
		if _, ok := g.Environment[v]; !ok {
			t.Errorf("the provisioning files read $%s, which the grafana service does not set", v)
		}
	}
	if m := g.mountAt(g.Environment["DTE_DASHBOARDS_DIR"]); m == nil || m.Source != filepath.Join(root, "dashboards") {
		t.Errorf("DTE_DASHBOARDS_DIR=%q is not a mount of ./dashboards (got %+v)", g.Environment["DTE_DASHBOARDS_DIR"], m)
	}
	// The demo evidence: the committed fixtures moved to the present by a job running
	// python/seed/shift_demo.py into a volume the grafana service mounts (or, for your own
	// evidence, a bind mount of something that exists).
	for _, v := range []struct{ env, fixture string }{
		{"DTE_EVIDENTLY_WORKSPACE", "testdata/evidently/current/workspace"},
		{"DTE_FAIRLEARN_PATH", "testdata/fairlearn/demo"},
		{"DTE_GX_PATH", "testdata/gx/gx1"},
		{"DTE_SHAP_PATH", "testdata/shap/demo"},
	} {
		target := g.Environment[v.env]
		m := g.mountUnder(target)
		if target == "" || m == nil {
			t.Errorf("%s=%q is not in a mount of the grafana service", v.env, target)
			continue
		}
		if m.Type == "bind" {
			if _, err := os.Stat(filepath.Join(m.Source, strings.TrimPrefix(target, m.Target))); err != nil {
				t.Errorf("%s is mounted from %s, which does not exist in the repository", v.env, m.Source)
			}
			continue
		}
		if writer := shiftWriter(services, m.Source, filepath.Join(root, v.fixture)); writer == "" {
			t.Errorf("%s is in volume %s, which no service fills with python/seed/shift_demo.py from a mount of ./%s",
				v.env, m.Source, v.fixture)
		} else if ml := services["mlflow"]; ml == nil || ml.DependsOn[writer] != "service_completed_successfully" {
			t.Errorf("%s writes the demo evidence, but mlflow (and so grafana) does not wait for it", writer)
		}
	}
	if f := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]; f != "" {
		rel, err := filepath.Rel(g.Environment["DTE_DASHBOARDS_DIR"], f)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("the home dashboard %s is outside DTE_DASHBOARDS_DIR", f)
		} else if _, err := os.Stat(filepath.Join(root, "dashboards", rel)); err != nil {
			t.Errorf("the home dashboard %s is not a file of dashboards/: %v", f, err)
		}
	}

	// MLflow: pinned to the version the tests run against, reachable by Grafana under its service name.
	ml := services["mlflow"]
	if ml == nil {
		t.Fatal("no mlflow service")
	}
	pin := mlflowPin(t, root)
	if !strings.HasSuffix(ml.Image, ":v"+pin) && !strings.HasSuffix(ml.Image, ":"+pin) {
		t.Errorf("mlflow image %q is not pinned to mlflow %s (python/requirements/mlflow.txt)", ml.Image, pin)
	}
	if !ml.publishes("5000", "5000") {
		t.Errorf("mlflow does not publish port 5000 (ports %v)", ml.Ports)
	}
	u, err := url.Parse(g.Environment["DTE_MLFLOW_URL"])
	if err != nil || u.Hostname() != "mlflow" || u.Port() != "5000" {
		t.Errorf("DTE_MLFLOW_URL=%q: want http://mlflow:5000, the mlflow service", g.Environment["DTE_MLFLOW_URL"])
	}
	cmd := strings.Join(ml.Command, " ")
	if !strings.Contains(cmd, "server") || !strings.Contains(cmd, "5000") {
		t.Errorf("mlflow command %q does not run `mlflow server` on port 5000", cmd)
	}
	if !regexp.MustCompile(`allowed-hosts[= ][^ ]*\bmlflow\b`).MatchString(cmd) {
		t.Errorf("mlflow command %q: MLflow 3 answers 403 to Host: mlflow:5000 unless --allowed-hosts lists it", cmd)
	}
	if !ml.Healthcheck {
		t.Error("mlflow has no healthcheck, so Grafana may start before it")
	}
	if g.DependsOn["mlflow"] != "service_healthy" {
		t.Errorf("grafana depends_on mlflow: %q, want condition service_healthy", g.DependsOn["mlflow"])
	}

	// The seed job: the same seed script, into the volume MLflow serves, before MLflow starts.
	var seedName string
	for name, s := range services {
		if strings.Contains(strings.Join(append(append([]string{}, s.Entrypoint...), s.Command...), " "), "seed_mlflow.py") {
			seedName = name
		}
	}
	if seedName == "" {
		t.Fatal("no service runs python/seed/seed_mlflow.py")
	}
	seed := services[seedName]
	if m := seed.mountAt("/seed"); m == nil || m.Source != filepath.Join(root, "python", "seed") {
		t.Errorf("%s must mount ./python/seed (got %+v)", seedName, m)
	}
	if _, err := os.Stat(filepath.Join(root, "python", "seed", "seed_mlflow.py")); err != nil {
		t.Errorf("python/seed/seed_mlflow.py: %v", err)
	}
	if ml.DependsOn[seedName] != "service_completed_successfully" {
		t.Errorf("mlflow depends_on %s: %q, want service_completed_successfully", seedName, ml.DependsOn[seedName])
	}
	shared := false
	for _, a := range seed.Mounts {
		for _, b := range ml.Mounts {
			if a.Type == "volume" && a.Source == b.Source && a.Target == b.Target && !a.ReadOnly {
				shared = true
			}
		}
	}
	if !shared {
		t.Errorf("%s and mlflow share no writable volume for the seeded store", seedName)
	}
	if seed.Image != ml.Image {
		t.Errorf("%s runs %q, mlflow %q: seed with the MLflow that serves the store", seedName, seed.Image, ml.Image)
	}

	// Every bind mount of every service names something that exists (dist/ is built by make build).
	for name, s := range services {
		for _, m := range s.Mounts {
			if m.Type != "bind" || m.Source == filepath.Join(root, "dist") {
				continue
			}
			if _, err := os.Stat(m.Source); err != nil {
				t.Errorf("service %s mounts %s, which does not exist", name, m.Source)
			}
		}
	}
}

// provisioningVars lists the ${VAR} names read by the datasource and dashboard provisioning files.
func provisioningVars(t *testing.T, root string) []string {
	t.Helper()
	re := regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)
	seen := map[string]bool{}
	for _, dir := range []string{"datasources", "dashboards"} {
		files, _ := filepath.Glob(filepath.Join(root, "provisioning", dir, "*.y*ml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					seen[m[1]] = true
				}
			}
		}
	}
	return keys(seen)
}

// mlflowPin is the mlflow version pinned in python/requirements/mlflow.txt.
func mlflowPin(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "python", "requirements", "mlflow.txt"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^mlflow(?:\[[^\]]*\])?==(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("python/requirements/mlflow.txt pins no mlflow version")
	}
	return string(m[1])
}

func containsItem(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
