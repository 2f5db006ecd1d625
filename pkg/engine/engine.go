// Package engine runs trust queries over the configured sources. Each query type has a handler in
// its own file (query_<type>.go), registered in routes.go; a handler asks the sources that serve it
// (through the interfaces of package trust) and hands what they return to pkg/trust/frames. The
// engine knows nothing about any one upstream: sources are built in sources.go.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// DefaultTimeout bounds one query when the settings do not say otherwise.
const DefaultTimeout = 30 * time.Second

// Common holds the settings that apply to every source.
type Common struct {
	TimeoutSeconds float64 `json:"timeoutSeconds"`
}

// Engine answers queries from a set of providers built from one datasource's settings.
type Engine struct {
	Timeout   time.Duration
	providers []trust.Provider
	// setupErrors are sources whose settings are present but invalid; they are reported by the
	// health check and as notices, while the other sources keep working.
	setupErrors []error
}

// New builds the providers configured in s. A source with invalid settings does not stop the
// others; its error is kept for the health check.
func New(ctx context.Context, s trust.Settings) (*Engine, error) {
	var c Common
	if err := s.Decode(&c); err != nil {
		return nil, err
	}
	e := &Engine{Timeout: DefaultTimeout}
	if c.TimeoutSeconds > 0 {
		e.Timeout = time.Duration(c.TimeoutSeconds * float64(time.Second))
	}
	e.buildSources(ctx, s)
	return e, nil
}

// NewWith builds an engine from ready providers (tests, benchmarks).
func NewWith(timeout time.Duration, providers ...trust.Provider) *Engine {
	return &Engine{Timeout: timeout, providers: providers}
}

// Provider returns the configured provider named name, or nil.
func (e *Engine) Provider(name string) trust.Provider {
	for _, p := range e.providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// Providers returns the configured providers.
func (e *Engine) Providers() []trust.Provider { return e.providers }

// Close releases what the providers hold (idle connections, caches).
func (e *Engine) Close() {
	for _, p := range e.providers {
		if c, ok := p.(interface{ Close() }); ok {
			c.Close()
		}
	}
}

// CollectAll gathers the evidence of one dimension from every provider that serves it (narrowed by
// q.Source). A failing provider becomes a notice while the others are served; the query fails only
// when every provider failed.
func (e *Engine) CollectAll(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	var ps []trust.EvidenceProvider
	for _, p := range e.providers {
		ep, ok := p.(trust.EvidenceProvider)
		if ok && q.WantsSource(p.Name()) && containsDim(ep.Dimensions(), dim) {
			ps = append(ps, ep)
		}
	}
	if len(ps) == 0 {
		return nil, e.notConfigured(string(dim))
	}
	aliases := e.resolveAliases(ctx, ps, q)
	results := make([]*trust.Evidence, len(ps))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, ok := p.(trust.AliasResolver); aliases != nil && !(ok && r.ResolvesAliases()) {
				results[i], errs[i] = aliases.collect(ctx, p, dim, q)
				return
			}
			results[i], errs[i] = safeCollect(ctx, p, dim, q)
		}()
	}
	wg.Wait()
	if len(ps) == 1 && errs[0] == nil {
		// The common case of one source: hand its evidence on without copying every point.
		return results[0], nil
	}
	out := &trust.Evidence{}
	var failed []error
	for i, p := range ps {
		if errs[i] != nil {
			failed = append(failed, errs[i])
			out.Notices = append(out.Notices, trust.Notice{Source: p.Name(), Message: errs[i].Error(), Warning: true})
			continue
		}
		out.Merge(results[i])
	}
	if len(failed) == len(ps) {
		if len(failed) == 1 {
			return nil, failed[0]
		}
		return nil, joinUpstream(failed)
	}
	return out, nil
}

// safeCollect turns a provider panic into an error so one bad source never takes the plugin down.
func safeCollect(ctx context.Context, p trust.EvidenceProvider, dim trust.Dimension, q *trust.Query) (ev *trust.Evidence, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error while collecting %s evidence: %v", p.Name(), dim, r)
		}
	}()
	ev, err = p.Collect(ctx, dim, q)
	if err == nil && ev == nil {
		ev = &trust.Evidence{}
	}
	return ev, err
}

// Options answers a variable or dropdown of the given kind, merged over every provider that knows
// the kind, deduplicated and sorted by text.
func (e *Engine) Options(ctx context.Context, kind string, q *trust.Query) ([]trust.Option, error) {
	if kind == "" {
		return nil, errors.New("the variable query has no variable kind: choose one of " + strings.Join(e.OptionKinds(), ", "))
	}
	var out []trust.Option
	seen := map[string]bool{}
	found := false
	var errs []error
	for _, p := range e.providers {
		op, ok := p.(trust.OptionsProvider)
		if !ok || !contains(op.OptionKinds(), kind) || !q.WantsSource(p.Name()) {
			continue
		}
		found = true
		opts, err := op.Options(ctx, kind, q)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range opts {
			if !seen[o.Value] {
				seen[o.Value] = true
				out = append(out, o)
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no configured source offers %q values (known kinds here: %s)", kind, strings.Join(e.OptionKinds(), ", "))
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, joinUpstream(errs)
	}
	sort.SliceStable(out, func(i, j int) bool { return naturalLess(out[i].Text, out[j].Text) })
	return out, nil
}

// OptionKinds lists the variable kinds the configured sources offer.
func (e *Engine) OptionKinds() []string {
	var kinds []string
	for _, p := range e.providers {
		if op, ok := p.(trust.OptionsProvider); ok {
			for _, k := range op.OptionKinds() {
				if !contains(kinds, k) {
					kinds = append(kinds, k)
				}
			}
		}
	}
	sort.Strings(kinds)
	return kinds
}

// Annotations answers an annotation query of the given kind from every provider that knows it.
func (e *Engine) Annotations(ctx context.Context, kind string, q *trust.Query) ([]trust.Annotation, error) {
	var out []trust.Annotation
	found := false
	var errs []error
	for _, p := range e.providers {
		ap, ok := p.(trust.AnnotationProvider)
		if !ok || !contains(ap.AnnotationKinds(), kind) || !q.WantsSource(p.Name()) {
			continue
		}
		found = true
		anns, err := ap.Annotations(ctx, kind, q)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, anns...)
	}
	if !found {
		return nil, fmt.Errorf("no configured source offers %q annotations", kind)
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, joinUpstream(errs)
	}
	return out, nil
}

// HealthReport is the outcome of checking every configured source.
type HealthReport struct {
	OK      bool
	Message string
	Details []string
}

// CheckHealth checks every source that can be checked and reports each one.
func (e *Engine) CheckHealth(ctx context.Context) HealthReport {
	r := HealthReport{OK: true}
	for _, err := range e.setupErrors {
		r.OK = false
		r.Details = append(r.Details, err.Error())
	}
	if len(e.providers) == 0 && len(e.setupErrors) == 0 {
		return HealthReport{Message: "Nothing is configured: set an MLflow URL, Evidently paths, workspaces or UI URL, or Fairlearn paths or URLs."}
	}
	var checkers []trust.HealthChecker
	for _, p := range e.providers {
		if hc, ok := p.(trust.HealthChecker); ok {
			checkers = append(checkers, hc)
		}
	}
	// Each source is checked at the same time with its own deadline: a hung source reports its own
	// timeout and never uses up the time of the others.
	msgs := make([]string, len(checkers))
	errs := make([]error, len(checkers))
	var wg sync.WaitGroup
	for i, hc := range checkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, e.Timeout)
			defer cancel()
			msgs[i], errs[i] = safeHealth(cctx, hc, e.Timeout)
		}()
	}
	wg.Wait()
	for i := range checkers {
		if errs[i] != nil {
			r.OK = false
			r.Details = append(r.Details, errs[i].Error())
			continue
		}
		r.Details = append(r.Details, msgs[i])
	}
	if r.OK {
		r.Message = "DTE Trust is working: " + strings.Join(r.Details, "; ")
	} else {
		r.Message = "DTE Trust found problems: " + strings.Join(r.Details, "; ")
	}
	return r
}

// safeHealth turns a panic in a source's health check into an error naming the source.
func safeHealth(ctx context.Context, hc trust.HealthChecker, timeout time.Duration) (msg string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error in the health check: %v", hc.Name(), r)
		}
	}()
	msg, err = hc.CheckHealth(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !strings.Contains(err.Error(), hc.Name()) {
		err = fmt.Errorf("%s: no answer within %s (timeoutSeconds): %w", hc.Name(), timeout, err)
	}
	return msg, err
}

// notConfigured explains which settings enable what was asked for: a query type, or a dimension
// (whose query type has the same name).
func (e *Engine) notConfigured(what string) error {
	hint := ""
	if r, ok := routeOf(what); ok {
		hint = r.needs
	}
	for _, err := range e.setupErrors {
		hint += "; configuration problem: " + err.Error()
	}
	return trust.Upstreamf("no configured source serves %s queries: %s", what, hint)
}

func joinUpstream(errs []error) error {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return trust.Upstreamf("%s", strings.Join(msgs, "; "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsDim(list []trust.Dimension, d trust.Dimension) bool {
	for _, x := range list {
		if x == d {
			return true
		}
	}
	return false
}

// naturalLess orders "v2" before "v10" so version dropdowns read naturally.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da != "" && db != "" {
			na, nb := strings.TrimLeft(da, "0"), strings.TrimLeft(db, "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
