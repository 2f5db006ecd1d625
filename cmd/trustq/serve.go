package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/serve"
)

// Defaults of trustq serve.
const (
	defaultServeAddr = "127.0.0.1:8089"
	tokenEnv         = "DTE_TRUST_TOKEN"
	minTokenLen      = 16
)

// serveFlags are the options of trustq serve.
type serveFlags struct {
	settings, addr, tokenFile string
}

// serveReady, when not nil, is told the address trustq serve listens on (tests).
var serveReady func(addr string)

// runServe serves until SIGINT or SIGTERM.
func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveUntil(ctx, args, stdout, stderr, serveReady)
}

// serveUntil runs trustq serve until ctx ends (SIGINT or SIGTERM), then lets the requests in
// flight finish. ready, when not nil, is called with the address listened on.
func serveUntil(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) int {
	f, code, stop := parseServeFlags(args, stdout, stderr)
	if stop {
		return code
	}
	logger := log.New(stderr, "trustq serve: ", log.LstdFlags)
	token, err := loadToken(f.tokenFile)
	if err != nil {
		fmt.Fprintln(stderr, "trustq serve:", err)
		return 2
	}
	if err := checkAddr(ctx, f.addr, token != ""); err != nil {
		fmt.Fprintln(stderr, "trustq serve:", err)
		return 2
	}
	h, dispose, err := newServeHandler(ctx, f.settings, serve.Options{Token: token, Log: logger})
	if err != nil {
		fmt.Fprintln(stderr, "trustq serve:", err)
		return 2
	}
	defer dispose()
	ln, err := listen(f.addr, token != "")
	if err != nil {
		fmt.Fprintln(stderr, "trustq serve:", err)
		return 1
	}
	auth := "no token: loopback only"
	if token != "" {
		auth = "bearer token required"
	}
	fmt.Fprintf(stdout, "trustq serve: listening on http://%s (%s); routes POST %s, GET %s, GET %s\n",
		ln.Addr(), auth, serve.RouteQuery, serve.RouteHealth, serve.RouteOptions)
	if ready != nil {
		ready(ln.Addr().String())
	}
	if err := serveHTTP(ctx, ln, h, logger); err != nil {
		fmt.Fprintln(stderr, "trustq serve:", err)
		return 1
	}
	fmt.Fprintln(stdout, "trustq serve: stopped")
	return 0
}

// parseServeFlags reads the flags; stop means stop with code (0 after --help). A token is never
// read from the command line, where every user of the machine could see it.
func parseServeFlags(args []string, stdout, stderr io.Writer) (f serveFlags, code int, stop bool) {
	for _, a := range args {
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == "token" {
			fmt.Fprintf(stderr, "trustq serve: a token is never given on the command line (ps and shell history show it): use --token-file FILE or %s\n", tokenEnv)
			return f, 2, true
		}
	}
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&f.settings, "settings", "", "datasource settings file (jsonData and secureJsonData)")
	fs.StringVar(&f.addr, "addr", defaultServeAddr, "address to listen on (HOST:PORT); a non-loopback address needs a token")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the bearer token every request must carry (or set "+tokenEnv+")")
	if code, stop := parseFlags(fs, args, stdout, stderr); stop {
		return f, code, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "trustq serve: unexpected argument %q\n", fs.Arg(0))
		return f, 2, true
	}
	if f.settings == "" {
		fmt.Fprintln(stderr, "trustq serve: --settings is required")
		return f, 2, true
	}
	return f, 0, false
}

// loadToken reads the bearer token from --token-file or DTE_TRUST_TOKEN (not both); "" when
// neither is set.
func loadToken(file string) (string, error) {
	env, envSet := os.LookupEnv(tokenEnv)
	var token, from string
	switch {
	case file != "" && env != "":
		return "", fmt.Errorf("both --token-file and %s are set: use one", tokenEnv)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		token, from = strings.TrimSpace(string(b)), "the token file "+file
	case envSet:
		token, from = strings.TrimSpace(env), tokenEnv
	default:
		return "", nil
	}
	if len(token) < minTokenLen || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("%s must hold one token of at least %d characters without spaces (e.g. from openssl rand -hex 32)", from, minTokenLen)
	}
	return token, nil
}

// checkAddr refuses a non-loopback address without a token: an address of no host (every
// interface), an IP that is not loopback, or a name resolving to one.
func checkAddr(ctx context.Context, addr string, haveToken bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v: use HOST:PORT, e.g. %s", addr, err, defaultServeAddr)
	}
	if haveToken {
		return nil
	}
	loopback := host != ""
	if ip := net.ParseIP(host); ip != nil {
		loopback = ip.IsLoopback()
	} else if host != "" {
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return fmt.Errorf("--addr %q: %v", addr, err)
		}
		for _, ip := range ips {
			loopback = loopback && ip.IP.IsLoopback()
		}
	}
	if !loopback {
		return fmt.Errorf("--addr %s is not a loopback address: a bearer token is required (--token-file FILE or %s)", addr, tokenEnv)
	}
	return nil
}

// listen listens on addr and, without a token, checks again that what it bound is loopback.
func listen(addr string, haveToken bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !haveToken && (!ok || !tcp.IP.IsLoopback()) {
		_ = ln.Close()
		return nil, fmt.Errorf("--addr %s bound %s, which is not loopback: a bearer token is required (--token-file FILE or %s)", addr, ln.Addr(), tokenEnv)
	}
	return ln, nil
}

// newServeHandler builds the plugin datasource from the settings file as trustq query does and
// the API over it; dispose releases the datasource.
func newServeHandler(ctx context.Context, settingsPath string, opts serve.Options) (*serve.Server, func(), error) {
	settings, err := loadSettings(settingsPath)
	if err != nil {
		return nil, nil, err
	}
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		return nil, nil, err
	}
	ds := inst.(*plugin.Datasource)
	return serve.New(ds, settings, opts), ds.Dispose, nil
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully: no new connections, the
// requests in flight finish (within the request timeout).
func serveHTTP(ctx context.Context, ln net.Listener, h *serve.Server, logger *log.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       h.Timeout() + 10*time.Second,
		WriteTimeout:      h.Timeout() + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          logger,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down: finishing the requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), h.Timeout()+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
