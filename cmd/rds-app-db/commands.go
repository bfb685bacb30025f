package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// cmdPsql runs psql on the database; arguments after "--" go to psql.
func (a *app) cmdPsql(ctx context.Context, g globals, args []string) error {
	fs := a.flagSet("psql")
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{Msg: "psql: " + err.Error() + " (psql's own options go after --: rds-app-db psql -- -c 'select 1')"}
	}
	psql, err := a.pgTool(g, "psql")
	if err != nil {
		return err
	}
	tg, err := a.prepare(ctx, g)
	if err != nil {
		return err
	}
	s, err := a.connect(ctx, tg)
	if err != nil {
		return err
	}
	err = a.runForeground(ctx, s, psql, psqlArgs(s.keywords(), fs.Args()), a.stdin)
	return a.closeSession(s, err)
}

// cmdURL prints a connection string for a tunnel on a local port.
func (a *app) cmdURL(ctx context.Context, g globals, args []string) error {
	fs := a.flagSet("url")
	g.register(fs)
	port := fs.Int("port", 0, "the tunnel's local `PORT` (default: the database's port, where the stack's dbTunnelCommand listens)")
	keywords := fs.Bool("keywords", false, "print libpq's key=value form instead of a postgresql:// URL")
	show := fs.Bool("show-password", false, "print the password (with database.proxyIamAuth, a new IAM authentication token) instead of "+redacted)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("url", rest, 0, 0, "no arguments"); err != nil {
		return err
	}
	tg, err := a.prepare(ctx, g)
	if err != nil {
		return err
	}
	if *port == 0 {
		*port = tg.out.DBPort
	}
	p := newConnParams(tg.out, tg.secret, *port, tg.caFile)
	password := redacted
	switch {
	case *show && tg.out.IAMAuth():
		// The token is for the proxy's name and port, whatever local
		// port the tunnel listens on.
		if password, err = a.authToken(ctx, tg.out, tg.secret.Username); err != nil {
			return err
		}
	case *show:
		password = tg.secret.Password
	}
	if *keywords {
		fmt.Fprintln(a.stdout, p.keywordString(password))
	} else {
		fmt.Fprintln(a.stdout, p.urlString(password))
	}
	switch {
	case *show && tg.out.IAMAuth():
		fmt.Fprintf(a.stderr, "rds-app-db: the password is an IAM authentication token (database.proxyIamAuth): connect within %s, or run this again for a new one\n", authTokenLifetime)
	case tg.out.IAMAuth():
		fmt.Fprintf(a.stderr, "rds-app-db: the password is redacted; the proxy takes an IAM authentication token (database.proxyIamAuth), which --show-password prints, valid for %s\n", authTokenLifetime)
	case !*show:
		fmt.Fprintln(a.stderr, "rds-app-db: the password is redacted; --show-password prints it")
	}
	return nil
}

// cmdLoad runs a SQL file in one transaction, stopping at the first error.
func (a *app) cmdLoad(ctx context.Context, g globals, args []string) error {
	fs := a.flagSet("load")
	g.register(fs)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("load", rest, 1, 1, "one FILE.sql"); err != nil {
		return err
	}
	file := rest[0]
	f, size, err := openInput(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if archive, err := isArchive(file); err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	} else if archive {
		return fmt.Errorf("%s is a pg_dump archive, not SQL: use rds-app-db restore %s", file, file)
	}
	psql, err := a.pgTool(g, "psql")
	if err != nil {
		return err
	}
	tg, err := a.prepare(ctx, g)
	if err != nil {
		return err
	}
	s, err := a.connect(ctx, tg)
	if err != nil {
		return err
	}
	p := newProgress(a.stderr, "loading "+filepath.Base(file), size)
	err = a.runForeground(ctx, s, psql, loadArgs(s.keywords()), progressReader{f, p})
	p.finish()
	var code exitCode
	switch {
	case err != nil && a.interrupted.Load():
		err = fmt.Errorf("loading %s was interrupted; it ran in one transaction, which was rolled back, so nothing was changed", file)
	case errors.As(err, &code) && code == 3:
		// psql's status when ON_ERROR_STOP stopped the script.
		err = fmt.Errorf("loading %s stopped at the error above; it ran in one transaction, which was rolled back, so nothing was changed", file)
	case errors.As(err, &code):
		err = fmt.Errorf("loading %s failed (psql exit status %d, see above)", file, int(code))
	case err == nil:
		fmt.Fprintf(a.stderr, "rds-app-db: loaded %s (%s) into %s in one transaction\n", file, mib(size), tg.out.DBName)
	}
	return a.closeSession(s, err)
}

// cmdDump writes a custom-format archive of the database.
func (a *app) cmdDump(ctx context.Context, g globals, args []string) error {
	fs := a.flagSet("dump")
	g.register(fs)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("dump", rest, 0, 1, "at most one FILE"); err != nil {
		return err
	}
	psql, err := a.pgTool(g, "psql")
	if err != nil {
		return err
	}
	pgDump, err := a.pgTool(g, "pg_dump")
	if err != nil {
		return err
	}
	version, stderr, err := a.capture(ctx, "", nil, pgDump, "--version")
	if err != nil {
		return fmt.Errorf("running %s --version: %s", pgDump, firstNonEmpty(stderr, err.Error()))
	}
	dumpMajor, err := toolMajor(string(version))
	if err != nil {
		return fmt.Errorf("%s: %w", pgDump, err)
	}
	tg, err := a.prepare(ctx, g)
	if err != nil {
		return err
	}
	file := tg.out.DBName + "-" + time.Now().UTC().Format("20060102T150405Z") + ".dump"
	if len(rest) == 1 {
		file = rest[0]
	}
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("%s already exists: name another file, or remove it first", file)
	}
	// The archive is built under another name and renamed when complete,
	// so a failed dump never leaves a file that looks like a good one. It
	// is created here, readable by this user only, because it holds the
	// database's data; pg_dump then writes into it.
	partial := file + ".partial"
	pf, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating the dump file: %w", err)
	}
	_ = pf.Close()
	done := false
	defer func() {
		if !done {
			_ = os.Remove(partial)
		}
	}()

	s, err := a.connect(ctx, tg)
	if err != nil {
		return err
	}
	versionNum, err := a.queryOne(ctx, s, psql, "its version", serverVersionQuery)
	if err == nil {
		var server int
		if server, err = serverMajor(versionNum); err == nil {
			err = checkDumpVersion(server, dumpMajor, pgDump)
		}
	}
	if err != nil {
		return a.closeSession(s, err)
	}
	p := newProgress(a.stderr, "dumping "+tg.out.DBName, 0)
	stopWatch := watchSize(partial, p)
	err = a.runForeground(ctx, s, pgDump, dumpArgs(s.keywords(), partial), nil)
	stopWatch()
	if info, err := os.Stat(partial); err == nil {
		p.set(info.Size()) // the final size, not the last one watched
	}
	p.finish()
	var code exitCode
	switch {
	case err != nil && a.interrupted.Load():
		return a.closeSession(s, fmt.Errorf("pg_dump was interrupted; nothing was written to %s", file))
	case errors.As(err, &code):
		return a.closeSession(s, fmt.Errorf("pg_dump failed (see above); nothing was written to %s", file))
	case err != nil: // pg_dump did not start (no token, say)
		return a.closeSession(s, fmt.Errorf("%w; nothing was written to %s", err, file))
	}
	if err := os.Rename(partial, file); err != nil {
		return a.closeSession(s, fmt.Errorf("saving the dump: %w", err))
	}
	done = true
	size := int64(0)
	if info, err := os.Stat(file); err == nil {
		size = info.Size()
	}
	fmt.Fprintf(a.stderr, "rds-app-db: dumped %s to %s (%s)\n", tg.out.DBName, file, mib(size))
	return a.closeSession(s, nil)
}

// cmdRestore restores a custom-format archive, in one transaction.
func (a *app) cmdRestore(ctx context.Context, g globals, args []string) error {
	fs := a.flagSet("restore")
	g.register(fs)
	clean := fs.Bool("clean", false, "drop the objects the archive holds before restoring them (their current data is lost); needed when the database is not empty")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("restore", rest, 1, 1, "one FILE"); err != nil {
		return err
	}
	file := rest[0]
	f, size, err := openInput(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if archive, err := isArchive(file); err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	} else if !archive {
		return fmt.Errorf("%s is not a pg_dump custom-format archive (what rds-app-db dump writes); a SQL file loads with rds-app-db load %s", file, file)
	}
	psql, err := a.pgTool(g, "psql")
	if err != nil {
		return err
	}
	pgRestore, err := a.pgTool(g, "pg_restore")
	if err != nil {
		return err
	}
	tg, err := a.prepare(ctx, g)
	if err != nil {
		return err
	}
	s, err := a.connect(ctx, tg)
	if err != nil {
		return err
	}
	count, err := a.queryOne(ctx, s, psql, "whether it is empty", userObjectsQuery)
	if err != nil {
		return a.closeSession(s, err)
	}
	n, err := strconv.Atoi(count)
	if err != nil {
		return a.closeSession(s, fmt.Errorf("asking the database whether it is empty: unexpected answer %q", count))
	}
	if n > 0 && !*clean {
		objects := "objects"
		if n == 1 {
			objects = "object"
		}
		return a.closeSession(s, fmt.Errorf("database %q is not empty (it has %d %s of its own): restoring into it could mix old and new data. "+
			"Run `rds-app-db restore --clean %s` to drop the objects the archive holds first (their current data is lost)", tg.out.DBName, n, objects, file))
	}
	p := newProgress(a.stderr, "restoring "+filepath.Base(file), size)
	err = a.runForeground(ctx, s, pgRestore, restoreArgs(s.keywords(), *clean), progressReader{f, p})
	p.finish()
	var code exitCode
	switch {
	case err != nil && a.interrupted.Load():
		err = fmt.Errorf("restoring %s was interrupted; it ran in one transaction, which was rolled back, so nothing was changed", file)
	case errors.As(err, &code):
		err = fmt.Errorf("restoring %s failed at the error above; it ran in one transaction, which was rolled back, so nothing was changed", file)
	case err != nil: // pg_restore did not start (no token, say)
		err = fmt.Errorf("%w; nothing was restored", err)
	default:
		fmt.Fprintf(a.stderr, "rds-app-db: restored %s into %s\n", file, tg.out.DBName)
	}
	return a.closeSession(s, err)
}

// cmdTunnel keeps a tunnel open until Ctrl-C, for other tools.
func (a *app) cmdTunnel(ctx context.Context, g globals, args []string) error {
	fs := a.flagSet("tunnel")
	g.register(fs)
	port := fs.Int("port", 0, "listen on this local `PORT` (default: a free one)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("tunnel", rest, 0, 0, "no arguments"); err != nil {
		return err
	}
	tg, err := a.prepare(ctx, g)
	if err != nil {
		return err
	}
	t, err := a.openTunnel(ctx, newTunnelTarget(tg.out, *port))
	if err != nil {
		return err
	}
	p := newConnParams(tg.out, tg.secret, t.LocalPort(), tg.caFile)
	password := "the password"
	if tg.out.IAMAuth() {
		password = fmt.Sprintf("an IAM authentication token (database.proxyIamAuth; valid for %s, so make it just before connecting)", authTokenLifetime)
	}
	fmt.Fprintf(a.stderr, "rds-app-db: tunnel open: %s:%d -> %s:%d through %s. Ctrl-C closes it.\n"+
		"Connect with the settings below; %s: rds-app-db url --port %d --show-password\n",
		tunnelAddr, t.LocalPort(), tg.out.DBEndpoint, tg.out.DBPort, tg.out.InstanceID, password, t.LocalPort())
	fmt.Fprintln(a.stdout, p.keywordString(""))
	select {
	case <-ctx.Done():
		err = t.Close()
		fmt.Fprintln(a.stderr, "\nrds-app-db: tunnel closed")
		return err
	case <-t.Done():
		return t.Close() // why it ended
	}
}

// runForeground runs a client tool with the session's environment, the
// given standard input, and this process's output. Its exit status
// becomes an exitCode.
func (a *app) runForeground(ctx context.Context, s *session, path string, args []string, stdin io.Reader) error {
	if err := s.beforeTool(ctx); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = s.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, a.stdout, a.stderr
	// Canceled (SIGTERM or SIGHUP to this process): ask the tool to stop
	// as its own signal would, then kill it.
	cmd.Cancel = func() error { return cmd.Process.Signal(sigTerm) }
	cmd.WaitDelay = 10 * time.Second
	a.observe(cmd)
	a.interrupted.Store(false)
	a.foreground.Store(true)
	defer a.foreground.Store(false)
	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if c := exitErr.ExitCode(); c > 0 {
			return exitCode(c)
		}
		return exitCode(1) // ended by a signal
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", path, err)
	}
	return nil
}

// closeSession closes s and combines its error with the command's: a
// tunnel that ended by itself explains a failed command.
func (a *app) closeSession(s *session, err error) error {
	closeErr := s.Close()
	if closeErr == nil {
		return err
	}
	if err == nil {
		return closeErr
	}
	fmt.Fprintf(a.stderr, "rds-app-db: %v\n", closeErr)
	return err
}

// openInput opens a file to send to a tool and returns its size.
func openInput(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = fmt.Errorf("%s is a directory", path)
	}
	if err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	return f, info.Size(), nil
}

// watchSize shows a growing file's size until stopped.
func watchSize(path string, p *progress) (stop func()) {
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				if info, err := os.Stat(path); err == nil {
					p.set(info.Size())
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}
