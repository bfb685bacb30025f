package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rds-app/rds-app/internal/clirun"
)

// session is an open way to the database: the tunnel, the password file,
// and the environment and connection settings for the client tools.
type session struct {
	conn   connParams
	tunnel tunnel
	// env is the client tools' environment: the user's, with PGPASSFILE
	// pointing at this session's password file and any PGPASSWORD removed
	// (libpq would prefer it to the file).
	env []string
	// dir holds the password file; removed by Close.
	dir string
	// token makes an IAM authentication token (database.proxyIamAuth),
	// which takes the password's place in the file before each tool
	// starts; nil when the password signs in.
	token func(context.Context) (string, error)
	// written counts the password file's versions.
	written int
}

func (s *session) keywords() string { return s.conn.keywordString("") }

// Close ends the tunnel and removes the password file. It returns why the
// tunnel had ended, if it ended by itself.
func (s *session) Close() error {
	var err error
	if s.tunnel != nil {
		err = s.tunnel.Close()
	}
	if s.dir != "" {
		if rmErr := os.RemoveAll(s.dir); rmErr != nil && err == nil {
			err = fmt.Errorf("removing the password file: %w", rmErr)
		}
	}
	return err
}

// target is what every command needs before it connects: the stack's
// outputs, the connection secret and the CA file.
type target struct {
	out    stackOutputs
	secret connection
	caFile string
}

// prepare reads the outputs and the secret and finds the CA file.
func (a *app) prepare(ctx context.Context, g globals) (target, error) {
	out, err := a.loadOutputs(ctx, g)
	if err != nil {
		return target{}, err
	}
	if out.AutoScalingGroup != "" {
		if out.InstanceID, err = a.hostInService(ctx, out); err != nil {
			return target{}, err
		}
	}
	sec, err := a.fetchSecret(ctx, out)
	if err != nil {
		return target{}, err
	}
	a.warnSecretMismatch(out, sec)
	caFile, err := a.caBundle(g, out.Region, out.Proxy())
	if err != nil {
		return target{}, err
	}
	return target{out: out, secret: sec, caFile: caFile}, nil
}

// connect opens the tunnel on a free local port and writes the password
// file. The caller must Close the session.
func (a *app) connect(ctx context.Context, tg target) (*session, error) {
	t, err := a.openTunnel(ctx, newTunnelTarget(tg.out, 0))
	if err != nil {
		return nil, err
	}
	s := &session{tunnel: t, conn: newConnParams(tg.out, tg.secret, t.LocalPort(), tg.caFile)}
	err = s.makePassfileDir()
	switch {
	case err == nil && tg.out.IAMAuth():
		// The proxy refuses the password; a token lives 15 minutes, so
		// each tool gets one made just before it starts (beforeTool).
		s.token = func(ctx context.Context) (string, error) { return a.authToken(ctx, tg.out, tg.secret.Username) }
	case err == nil:
		err = s.writePassfile(tg.secret.Password)
	}
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// beforeTool readies the password file for a client tool about to
// connect: with IAM authentication, a new token.
func (s *session) beforeTool(ctx context.Context) error {
	if s.token == nil {
		return nil
	}
	token, err := s.token(ctx)
	if err != nil {
		return err
	}
	return s.writePassfile(token)
}

// warnSecretMismatch notes a secret that names another endpoint than the
// stack's outputs: the outputs win (they name the instance the tunnel
// reaches), but the difference means one of them is out of date.
func (a *app) warnSecretMismatch(out stackOutputs, sec connection) {
	if sec.Host != "" && sec.Host != out.DBEndpoint {
		fmt.Fprintf(a.stderr, "rds-app-db: warning: the database secret names host %q but the stack output dbEndpoint is %q; using dbEndpoint (run `pulumi up` to bring them together)\n", sec.Host, out.DBEndpoint)
	}
}

// makePassfileDir makes the password file's directory, only this user's,
// and points the tools' PGPASSFILE at the file in it.
func (s *session) makePassfileDir() error {
	dir, err := os.MkdirTemp(clirun.PrivateTempRoot(), "rds-app-db-")
	if err != nil {
		return fmt.Errorf("creating the password file's directory: %w", err)
	}
	s.dir = dir
	s.env = childEnv(os.Environ(), filepath.Join(dir, passfileName))
	return nil
}

// passfileName is the password file's name in the session's directory.
const passfileName = "pgpass"

// writePassfile writes the password (or token) to a file only this user
// can read, in a directory of its own: libpq ignores a password file that
// others can read. A new version is written beside the old one and renamed
// over it, so a tool never reads half a file.
func (s *session) writePassfile(password string) error {
	if strings.ContainsAny(password, "\r\n") {
		return errors.New("the database password contains a line break, which a password file cannot hold")
	}
	s.written++
	next := filepath.Join(s.dir, passfileName+"."+strconv.Itoa(s.written))
	f, err := os.OpenFile(next, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating the password file: %w", err)
	}
	_, err = f.WriteString(pgpassLine(s.conn, password))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(next, filepath.Join(s.dir, passfileName))
	}
	if err != nil {
		return fmt.Errorf("writing the password file: %w", err)
	}
	return nil
}

// childEnv is env without the variables that would override or leak the
// session's password, plus PGPASSFILE.
func childEnv(env []string, passfile string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name == "PGPASSWORD" || name == "PGPASSFILE" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PGPASSFILE="+passfile)
}

// queryOne runs a query through the session and returns its trimmed
// answer; what says what it asks, for the error message.
func (a *app) queryOne(ctx context.Context, s *session, psql, what, sql string) (string, error) {
	if err := s.beforeTool(ctx); err != nil {
		return "", err
	}
	stdout, stderr, err := a.capture(ctx, "", s.env, psql, queryArgs(s.keywords(), sql)...)
	if err != nil {
		return "", fmt.Errorf("asking the database %s: %s", what, strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
	}
	return strings.TrimSpace(string(stdout)), nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
