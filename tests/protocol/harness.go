//go:build protocol

package protocol

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Plugin is a started plugin process and the gRPC clients Grafana's plugin manager would use.
type Plugin struct {
	client *plugin.Client
	Data   grpcplugin.DataClient
	Diag   grpcplugin.DiagnosticsClient
	Res    grpcplugin.ResourceClient
	logs   *syncBuffer
}

// syncBuffer collects the plugin's stderr and go-plugin's log lines from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// grafanaEnv is the environment Grafana's plugin manager gives a backend plugin process.
func grafanaEnv() []string {
	return []string{
		"GF_VERSION=13.2.3",
		"GF_EDITION=oss",
		"GF_PLUGIN_VERSION=0.1.0",
		"GF_APP_URL=http://127.0.0.1:3000/",
		"GF_PLUGIN_APP_CLIENT_SECRET=",
		"GF_INSTANCE_OTLP_ADDRESS=",
	}
}

// checkBinary says what is wrong with a plugin executable before go-plugin tries to start it: not
// there, not a regular executable file, or built for another platform.
func checkBinary(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("plugin executable %s: %w (build it with `make build-backend-linux`)", path, err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("plugin executable %s is not an executable regular file (mode %s)", path, st.Mode())
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("plugin executable %s is not a %s/%s program (no ELF header: %v)", path, runtime.GOOS, runtime.GOARCH, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]
	if f.Machine != want {
		return fmt.Errorf("plugin executable %s is built for %s, this machine is %s/%s", path, f.Machine, runtime.GOOS, runtime.GOARCH)
	}
	return nil
}

// Start starts the executable exactly as Grafana's plugin manager does: the SDK's handshake
// (protocol version and magic cookie), gRPC only, the data, diagnostics and resource services.
func Start(path string, extraEnv ...string) (*Plugin, error) {
	if err := checkBinary(path); err != nil {
		return nil, err
	}
	logs := &syncBuffer{}
	cmd := exec.Command(path)
	cmd.Env = append(append(os.Environ(), grafanaEnv()...), extraEnv...)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{grpcplugin.ProtocolVersion: {
			"data":        &grpcplugin.DataGRPCPlugin{},
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
		}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     30 * time.Second,
		Stderr:           logs,
		SyncStderr:       logs,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Trace, Output: logs}),
	})
	p := &Plugin{client: client, logs: logs}
	if err := p.dispense(); err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s failed the go-plugin handshake: %w; its output:\n%s", path, err, tail(logs.String()))
	}
	return p, nil
}

func (p *Plugin) dispense() (err error) {
	rpc, err := p.client.Client()
	if err != nil {
		return err
	}
	if p.Data, err = dispense[grpcplugin.DataClient](rpc, "data"); err != nil {
		return err
	}
	if p.Diag, err = dispense[grpcplugin.DiagnosticsClient](rpc, "diagnostics"); err != nil {
		return err
	}
	p.Res, err = dispense[grpcplugin.ResourceClient](rpc, "resource")
	return err
}

// dispense asks the plugin for one of its gRPC services, as Grafana's plugin manager does.
func dispense[T any](rpc plugin.ClientProtocol, name string) (T, error) {
	var zero T
	raw, err := rpc.Dispense(name)
	if err != nil {
		return zero, fmt.Errorf("dispense %s: %w", name, err)
	}
	c, ok := raw.(T)
	if !ok {
		return zero, fmt.Errorf("dispense %s: unexpected client %T", name, raw)
	}
	return c, nil
}

// Logs is everything the plugin wrote to stderr so far, with go-plugin's own lines.
func (p *Plugin) Logs() string { return p.logs.String() }

// Exited reports whether the plugin process is gone (crashed or exited).
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Kill stops the plugin process, as Grafana does on shutdown.
func (p *Plugin) Kill() { p.client.Kill() }

// call runs one gRPC call with a deadline; a call that runs past it, or a plugin that dies during
// it, is reported with the plugin's last output.
func call[T any](p *Plugin, timeout time.Duration, what string, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := fn(ctx)
	switch {
	case p.Exited():
		return out, fmt.Errorf("%s: the plugin process exited (crash?): %v; its output:\n%s", what, err, tail(p.Logs()))
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		p.Kill()
		return out, fmt.Errorf("%s: no answer within %s: the plugin hangs and was killed; its output:\n%s", what, timeout, tail(p.Logs()))
	case err != nil:
		return out, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// tail is the end of a log, enough to see why a plugin failed.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

var _ io.Writer = (*syncBuffer)(nil)
