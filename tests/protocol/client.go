//go:build protocol

package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// callTimeout bounds every gRPC call; the provisioned timeoutSeconds is 30.
const callTimeout = 90 * time.Second

// Request is one query of a QueryDataRequest, as Grafana builds it from a panel target.
type Request struct {
	RefID         string
	Model         map[string]any // the target JSON after interpolation
	From, To      time.Time
	MaxDataPoints int64
	Interval      time.Duration
}

// Answer is one refId's response, frames decoded.
type Answer struct {
	Frames data.Frames
	Error  string
	Status int32
}

// Query sends the requests in ONE QueryDataRequest, as a dashboard load or an alert evaluation does.
func (p *Plugin) Query(pc *pluginv2.PluginContext, reqs []Request) (map[string]Answer, error) {
	req := &pluginv2.QueryDataRequest{PluginContext: pc, Headers: map[string]string{}}
	for _, r := range reqs {
		model := map[string]any{}
		for k, v := range r.Model {
			model[k] = v
		}
		model["refId"] = r.RefID
		b, err := json.Marshal(model)
		if err != nil {
			return nil, err
		}
		qt, _ := model["queryType"].(string)
		req.Queries = append(req.Queries, &pluginv2.DataQuery{
			RefId: r.RefID, QueryType: qt, Json: b,
			MaxDataPoints: r.MaxDataPoints, IntervalMS: r.Interval.Milliseconds(),
			TimeRange: &pluginv2.TimeRange{FromEpochMS: r.From.UnixMilli(), ToEpochMS: r.To.UnixMilli()},
		})
	}
	resp, err := call(p, callTimeout, "QueryData", func(ctx context.Context) (*pluginv2.QueryDataResponse, error) {
		return p.Data.QueryData(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	out := map[string]Answer{}
	for refID, r := range resp.Responses {
		frames, err := data.UnmarshalArrowFrames(r.Frames)
		if err != nil {
			return nil, fmt.Errorf("refId %s: frames are not Arrow: %w", refID, err)
		}
		out[refID] = Answer{Frames: frames, Error: r.Error, Status: r.Status}
	}
	for _, r := range reqs {
		if _, ok := out[r.RefID]; !ok {
			return nil, fmt.Errorf("QueryData answered no response for refId %s", r.RefID)
		}
	}
	return out, nil
}

// Health runs CheckHealth.
func (p *Plugin) Health(pc *pluginv2.PluginContext) (*pluginv2.CheckHealthResponse, error) {
	return call(p, callTimeout, "CheckHealth", func(ctx context.Context) (*pluginv2.CheckHealthResponse, error) {
		return p.Diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pc})
	})
}

// Resource is a CallResource GET of path?query, as the editors' getResource makes it; it returns
// the status and the whole streamed body.
func (p *Plugin) Resource(pc *pluginv2.PluginContext, path string, query url.Values) (int32, []byte, error) {
	u := path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req := &pluginv2.CallResourceRequest{PluginContext: pc, Path: path, Method: "GET", Url: u,
		Headers: map[string]*pluginv2.StringList{"Accept": {Values: []string{"application/json"}}}}
	type result struct {
		status int32
		body   []byte
	}
	r, err := call(p, callTimeout, "CallResource "+u, func(ctx context.Context) (result, error) {
		stream, err := p.Res.CallResource(ctx, req)
		if err != nil {
			return result{}, err
		}
		var res result
		for {
			msg, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return res, nil
			}
			if err != nil {
				return res, err
			}
			if msg.Code != 0 {
				res.status = msg.Code
			}
			res.body = append(res.body, msg.Body...)
		}
	})
	return r.status, r.body, err
}

// CheckDataplane checks one successful answer against the dataplane contract the dashboards and
// alert rules rely on: every frame typed (and versioned where the kind has versions), numeric-long
// rows unique by their labels, timeseries-multi times ascending, no data = a typed empty frame.
func CheckDataplane(a Answer) error {
	if len(a.Frames) == 0 {
		return errors.New("no frame: no data must still be a typed empty frame")
	}
	for i, f := range a.Frames {
		if f.Meta == nil || f.Meta.Type == "" {
			return fmt.Errorf("frame %d (%q) has no Meta.Type", i, f.Name)
		}
		var err error
		switch f.Meta.Type {
		case data.FrameTypeNumericLong:
			err = checkNumericLong(f)
		case data.FrameTypeTimeSeriesMulti:
			err = checkTimeSeriesMulti(f)
		case data.FrameTypeTable:
			continue
		default:
			err = fmt.Errorf("unexpected frame type %q", f.Meta.Type)
		}
		if err != nil {
			return fmt.Errorf("frame %d (%q, %s): %w", i, f.Name, f.Meta.Type, err)
		}
	}
	return nil
}

func checkVersion(f *data.Frame) error {
	if f.Meta.TypeVersion == (data.FrameTypeVersion{}) {
		return errors.New("no Meta.TypeVersion")
	}
	return nil
}

func checkNumericLong(f *data.Frame) error {
	if err := checkVersion(f); err != nil {
		return err
	}
	seen := map[string]int{}
	for row := 0; row < f.Rows(); row++ {
		key := InstanceKey(f, row)
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("rows %d and %d have the same labels %s: one alert instance would hide the other", prev, row, key)
		}
		seen[key] = row
	}
	return nil
}

// InstanceKey is the label set of a numeric-long row: its string columns, as Grafana's
// server-side expressions turn each row into one alert instance.
func InstanceKey(f *data.Frame, row int) string {
	var parts []string
	for _, fld := range f.Fields {
		if fld.Type() == data.FieldTypeString || fld.Type() == data.FieldTypeNullableString {
			v, _ := fld.ConcreteAt(row)
			parts = append(parts, fmt.Sprintf("%s=%v", fld.Name, v))
		}
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

func checkTimeSeriesMulti(f *data.Frame) error {
	if err := checkVersion(f); err != nil {
		return err
	}
	if f.Rows() == 0 {
		return nil
	}
	var tf *data.Field
	for _, fld := range f.Fields {
		if fld.Type() == data.FieldTypeTime {
			tf = fld
			break
		}
	}
	if tf == nil {
		return errors.New("no time field")
	}
	for i := 1; i < tf.Len(); i++ {
		if tf.At(i).(time.Time).Before(tf.At(i - 1).(time.Time)) {
			return fmt.Errorf("time not ascending at row %d", i)
		}
	}
	return nil
}
