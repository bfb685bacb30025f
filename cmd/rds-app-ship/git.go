package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// source is the commit being shipped.
type source struct {
	// Top is the checkout's top directory.
	Top string
	// Commit is HEAD's full object name.
	Commit string
	// Changes are the paths git status lists: uncommitted changes and
	// untracked files (a build's COPY would take them).
	Changes []string
	// Tag is the image's tag: Commit, or for a dirty tree
	// <Commit>-dirty-<UTC time>.
	Tag string
}

// The full commit, not the short one: the short form grows with the
// repository, so the same commit could get a second tag later, and a tag
// is how a commit already in the repository is found.
func imageTag(commit string, dirty bool, now time.Time) string {
	if !dirty {
		return commit
	}
	// A dirty tree is not the commit: it gets a tag of its own each time,
	// since the repository's tags are immutable.
	return commit + "-dirty-" + now.UTC().Format("20060102T150405Z")
}

// readSource finds the commit of the checkout around dir.
func (a *app) readSource(ctx context.Context, dir string, allowDirty bool) (source, error) {
	git := func(args ...string) (string, error) {
		stdout, stderr, err := a.capture(ctx, dir, nil, "git", args...)
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("git is not installed: rds-app-ship tags the image with the checkout's commit")
		}
		if err != nil {
			return "", fmt.Errorf("%s", strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
		}
		return strings.TrimRight(string(stdout), "\n"), nil
	}
	top, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		if strings.Contains(err.Error(), "not a git repository") {
			if abs, absErr := filepath.Abs(dir); absErr == nil {
				dir = abs
			}
			return source{}, fmt.Errorf("%s is not a git checkout: run rds-app-ship in your application's checkout (where its Dockerfile is), or pass --app-dir DIR; the image is tagged with the commit", dir)
		}
		return source{}, fmt.Errorf("reading the checkout in %s (git rev-parse): %w", dir, err)
	}
	commit, err := git("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil || commit == "" {
		return source{}, fmt.Errorf("the checkout %s has no commit yet: commit your application first; the image is tagged with the commit", top)
	}
	status, err := git("status", "--porcelain=v1", "--untracked-files=normal")
	if err != nil {
		return source{}, fmt.Errorf("reading the checkout's status (git status): %w", err)
	}
	s := source{Top: top, Commit: commit}
	for _, line := range strings.Split(status, "\n") {
		if len(line) > 3 {
			s.Changes = append(s.Changes, line[3:])
		}
	}
	if len(s.Changes) > 0 && !allowDirty {
		return source{}, fmt.Errorf("the checkout %s has uncommitted changes (%s): commit or stash them, so that the image is exactly commit %s; or pass --allow-dirty to ship them anyway, tagged <commit>-dirty-<UTC time>",
			top, listSome(s.Changes, 3), commit[:12])
	}
	s.Tag = imageTag(commit, len(s.Changes) > 0, a.now())
	return s, nil
}

// listSome lists the first n items and counts the rest.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
