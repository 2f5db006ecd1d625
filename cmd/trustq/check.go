package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/policy"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// errNoPolicy says that the settings configure nothing the rules could read.
var errNoPolicy = errors.New("the settings configure no source to evaluate rules over: set mlflowUrl, evidentlyPaths, evidentlyWorkspaces, evidentlyUiUrl, fairlearnPaths or fairlearnUrls")

// openPolicy builds the datasource exactly as Grafana would and returns its policy source and a
// function releasing the datasource. Tests replace it.
var openPolicy = func(ctx context.Context, s backend.DataSourceInstanceSettings) (*policy.Provider, func(), error) {
	inst, err := plugin.NewDatasource(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	ds := inst.(*plugin.Datasource)
	p, ok := ds.Engine.Provider(trust.SourcePolicy).(*policy.Provider)
	if !ok {
		ds.Dispose()
		return nil, nil, errNoPolicy
	}
	return p, ds.Dispose, nil
}

// checkNow is the evaluation clock (tests set it).
var checkNow = time.Now

// runCheck evaluates the compliance rules for one model (NAME, NAME@alias, NAME:version) or all,
// prints a report and returns 1 when a rule of severity error failed, 0 otherwise, 2 on usage
// errors.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr)
	settingsPath := fs.String("settings", "", "datasource settings file (jsonData and secureJsonData)")
	model := fs.String("model", "", "NAME, NAME@ALIAS or NAME:VERSION; empty checks every model version")
	rulesPath := fs.String("rules", "", "YAML rules file applied after the settings' rules (same id overrides)")
	var packs packList
	fs.Var(&packs, "pack", "rule pack to evaluate instead of the settings' policyPacks: "+strings.Join(policy.PackNames(), ", ")+" (repeat the flag or separate with commas)")
	output := fs.String("output", "text", "text or json")
	strict := fs.Bool("strict", false, "an error-severity rule that is unknown (missing evidence) fails the check too")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long (a Go duration: 90s, 5m)")
	if code, stop := parseFlags(fs, args, stdout, stderr); stop {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "trustq check: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *settingsPath == "":
		return usage("--settings is required")
	case *output != "text" && *output != "json":
		return usage("--output must be text or json, not %q", *output)
	}
	sel, err := parseModelSpec(*model)
	if err != nil {
		return usage("%v", err)
	}
	for _, name := range packs {
		if !slices.Contains(policy.PackNames(), strings.ToLower(name)) {
			return usage("--pack %q: no such rule pack (known: %s)", name, strings.Join(policy.PackNames(), ", "))
		}
	}
	sel.Packs = packs
	settings, err := loadSettings(*settingsPath)
	if err != nil {
		return usage("%v", err)
	}
	var extra []byte
	if *rulesPath != "" {
		if extra, err = os.ReadFile(*rulesPath); err != nil {
			return usage("rules file: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	p, release, err := openPolicy(ctx, settings)
	if errors.Is(err, errNoPolicy) {
		return usage("%v", err)
	}
	if err != nil {
		fmt.Fprintln(stderr, "trustq check:", err)
		return 1
	}
	defer release()
	if extra != nil {
		if p, err = p.WithRules(extra, "--rules "+*rulesPath); err != nil {
			return usage("%v", err)
		}
	}
	now := checkNow()
	run, err := p.Evaluate(ctx, &sel, []time.Time{now})
	if err != nil {
		fmt.Fprintln(stderr, "trustq check:", err)
		return 1
	}
	rep := newCheckReport(p, run, &sel, now, *strict)
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "trustq check: encoding the report:", err)
			return 1
		}
	} else {
		rep.print(stdout)
	}
	return rep.Summary.ExitCode
}

// packList is the repeatable --pack flag; each value may hold several names separated by commas.
type packList []string

func (l *packList) String() string { return strings.Join(*l, ",") }

func (l *packList) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*l = append(*l, name)
		}
	}
	return nil
}

// parseModelSpec reads NAME, NAME@ALIAS or NAME:VERSION.
func parseModelSpec(s string) (trust.Query, error) {
	q := trust.Query{QueryType: trust.QueryCompliance}
	s = strings.TrimSpace(s)
	if s == "" {
		return q, nil
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		q.Model, q.Alias = s[:i], s[i+1:]
		if q.Model == "" || q.Alias == "" {
			return q, fmt.Errorf("--model %q: use NAME@ALIAS", s)
		}
		return q, nil
	}
	if i := strings.LastIndex(s, ":"); i >= 0 {
		q.Model, q.Version = s[:i], s[i+1:]
		if q.Model == "" || q.Version == "" {
			return q, fmt.Errorf("--model %q: use NAME:VERSION", s)
		}
		return q, nil
	}
	q.Model = s
	return q, nil
}

// checkReport is the report `trustq check` prints; --output json prints it as is.
type checkReport struct {
	Time          time.Time       `json:"time"`
	Selection     string          `json:"selection"`
	Packs         []string        `json:"packs"`
	ModelVersions []versionReport `json:"modelVersions"`
	BrokenRules   []brokenReport  `json:"brokenRules"`
	Notices       []string        `json:"notices"`
	Summary       checkSummary    `json:"summary"`
}

type versionReport struct {
	Model      string       `json:"model"`
	Version    string       `json:"version"`
	Aliases    []string     `json:"aliases,omitempty"`
	Stage      string       `json:"stage,omitempty"`
	Registered bool         `json:"registered"`
	Link       string       `json:"link,omitempty"`
	Score      *float64     `json:"complianceScore"`
	TrustScore *float64     `json:"trustScore"`
	Passed     int          `json:"passed"`
	Failed     int          `json:"failed"`
	Unknown    int          `json:"unknown"`
	Rules      []ruleReport `json:"rules"`
}

type ruleReport struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Severity  string `json:"severity"`
	Dimension string `json:"dimension"`
	Status    string `json:"status"` // pass, fail, unknown
	Reason    string `json:"reason"`
	Link      string `json:"link,omitempty"`
	// Pack is the shipped pack of the rule (empty for the data source's own rules), Refs what it
	// evidences (articles, subcategories).
	Pack string   `json:"pack,omitempty"`
	Refs []string `json:"refs,omitempty"`
}

type brokenReport struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Origin   string `json:"origin"`
	Error    string `json:"error"`
}

type checkSummary struct {
	ModelVersions int `json:"modelVersions"`
	Passed        int `json:"passed"`
	Failed        int `json:"failed"`
	Unknown       int `json:"unknown"`
	// Blocking counts what fails the check: error-severity failures (and unknowns with --strict)
	// and broken error-severity rules.
	Blocking []string `json:"blocking"`
	Strict   bool     `json:"strict"`
	Result   string   `json:"result"` // pass or fail
	ExitCode int      `json:"exitCode"`
}

func newCheckReport(p *policy.Provider, run *policy.Run, sel *trust.Query, now time.Time, strict bool) *checkReport {
	rep := &checkReport{Time: now.UTC(), Selection: selectionText(sel), Packs: p.SelectedPacks(), ModelVersions: []versionReport{}, BrokenRules: []brokenReport{}, Notices: []string{}}
	if len(sel.Packs) > 0 {
		rep.Packs = p.PacksOf(sel.Packs)
	}
	if rep.Packs == nil {
		rep.Packs = []string{}
	}
	rep.Summary.Strict = strict
	for _, n := range run.Notices {
		if !strings.HasPrefix(n.Location, "rule ") || !strings.Contains(n.Message, "broken rule") {
			rep.Notices = append(rep.Notices, n.String())
		}
	}
	for _, r := range p.BrokenRules() {
		if len(sel.Rules) > 0 && !containsStr(sel.Rules, r.ID) {
			continue
		}
		rep.BrokenRules = append(rep.BrokenRules, brokenReport{ID: r.ID, Severity: string(r.Severity), Origin: r.Origin, Error: r.Err.Error()})
		if r.Severity == policy.SeverityError {
			rep.Summary.Blocking = append(rep.Summary.Blocking, fmt.Sprintf("rule %s is broken", r.ID))
		}
	}
	if len(run.Evaluations) > 0 {
		for i := range run.Evaluations[0].Versions {
			v := &run.Evaluations[0].Versions[i]
			vr := versionReport{Model: v.Model.Name, Version: v.Model.Version, Aliases: v.Model.Aliases, Stage: v.Model.Stage,
				Registered: v.Registered, Link: v.Model.Link, Rules: []ruleReport{}}
			vr.Passed, vr.Failed, vr.Unknown = v.Counts()
			if s, ok := v.Score(); ok {
				vr.Score = &s
			}
			if ts, ok := p.Score(v); ok {
				vr.TrustScore = &ts.Score
			}
			for _, r := range v.Results {
				vr.Rules = append(vr.Rules, ruleReport{ID: r.Rule.ID, Title: r.Rule.Title, Severity: string(r.Rule.Severity),
					Dimension: string(r.Rule.Dimension), Status: string(r.Outcome), Reason: r.Reason, Link: r.Link,
					Pack: r.Rule.Pack, Refs: r.Rule.Refs})
				if r.Rule.Severity == policy.SeverityError && (r.Outcome == policy.Fail || strict && r.Outcome == policy.Unknown) {
					rep.Summary.Blocking = append(rep.Summary.Blocking, fmt.Sprintf("%s on %s: %s", r.Rule.ID, versionName(vr.Model, vr.Version), r.Outcome))
				}
			}
			rep.Summary.Passed += vr.Passed
			rep.Summary.Failed += vr.Failed
			rep.Summary.Unknown += vr.Unknown
			rep.ModelVersions = append(rep.ModelVersions, vr)
		}
	}
	rep.Summary.ModelVersions = len(rep.ModelVersions)
	if rep.Summary.ModelVersions == 0 {
		rep.Summary.Blocking = append(rep.Summary.Blocking, "no model version found to check")
	}
	rep.Summary.Result, rep.Summary.ExitCode = "pass", 0
	if len(rep.Summary.Blocking) > 0 {
		rep.Summary.Result, rep.Summary.ExitCode = "fail", 1
	}
	if rep.Summary.Blocking == nil {
		rep.Summary.Blocking = []string{}
	}
	return rep
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func selectionText(q *trust.Query) string {
	switch {
	case q.Model == "":
		return "all model versions"
	case q.Alias != "":
		return q.Model + "@" + q.Alias
	case q.Version != "":
		return q.Model + ":" + q.Version
	default:
		return q.Model
	}
}

func versionName(model, version string) string {
	if version == "" {
		return model
	}
	return model + " v" + version
}

// print renders the report for people: per model version each rule with its status, severity and
// reason, then broken rules, notices and the verdict.
func (r *checkReport) print(w io.Writer) {
	fmt.Fprintf(w, "DTE Trust compliance check of %s at %s\n", r.Selection, r.Time.Format(time.RFC3339))
	if len(r.Packs) > 0 {
		fmt.Fprintf(w, "Rule packs: %s\n", strings.Join(r.Packs, ", "))
	}
	for _, v := range r.ModelVersions {
		fmt.Fprintln(w)
		head := versionName(v.Model, v.Version)
		var meta []string
		if len(v.Aliases) > 0 {
			meta = append(meta, "@"+strings.Join(v.Aliases, ", @"))
		}
		if v.Stage != "" && v.Stage != "None" {
			meta = append(meta, v.Stage)
		}
		if !v.Registered {
			meta = append(meta, "not in a model registry")
		}
		if len(meta) > 0 {
			head += " (" + strings.Join(meta, ", ") + ")"
		}
		score := "n/a"
		if v.Score != nil {
			score = fmt.Sprintf("%.0f%%", 100**v.Score)
		}
		trustScore := "n/a"
		if v.TrustScore != nil {
			trustScore = fmt.Sprintf("%.0f/100", *v.TrustScore)
		}
		fmt.Fprintf(w, "%s  compliance %s (%d passed, %d failed, %d unknown)  trust score %s\n", head, score, v.Passed, v.Failed, v.Unknown, trustScore)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, rr := range v.Rules {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", strings.ToUpper(rr.Status), rr.Severity, rr.ID, rr.Reason)
			if len(rr.Refs) > 0 && rr.Status != string(policy.Pass) {
				fmt.Fprintf(tw, "  \t\t\trefs: %s\n", strings.Join(rr.Refs, "; "))
			}
		}
		_ = tw.Flush()
	}
	if len(r.BrokenRules) > 0 {
		fmt.Fprintln(w, "\nBroken rules (not evaluated):")
		for _, b := range r.BrokenRules {
			fmt.Fprintf(w, "  BROKEN  %s  %s (%s): %s\n", b.Severity, b.ID, b.Origin, b.Error)
		}
	}
	if len(r.Notices) > 0 {
		fmt.Fprintln(w, "\nNotices:")
		for _, n := range r.Notices {
			fmt.Fprintln(w, "  "+n)
		}
	}
	s := r.Summary
	fmt.Fprintf(w, "\n%d model version(s): %d passed, %d failed, %d unknown.\n", s.ModelVersions, s.Passed, s.Failed, s.Unknown)
	if s.ExitCode == 0 {
		fmt.Fprintln(w, "PASS: no rule of severity error failed.")
		return
	}
	fmt.Fprintf(w, "FAIL: %s.\n", strings.Join(s.Blocking, "; "))
}
