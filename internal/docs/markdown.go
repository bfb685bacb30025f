package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// pages lists the markdown files that make up the manual: README.md, the
// front page, and docs/*.md, one page per reader's task; relative to root,
// slash-separated, README.md first and the rest sorted.
func pages(root string) ([]string, error) {
	out := []string{"README.md"}
	if _, err := os.Stat(filepath.Join(root, "README.md")); err != nil {
		return nil, fmt.Errorf("finding the front page: %w", err)
	}
	matches, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, fmt.Errorf("listing docs/: %w", err)
	}
	sort.Strings(matches)
	for _, m := range matches {
		rel, err := filepath.Rel(root, m)
		if err != nil {
			return nil, err
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}

// readPages reads every page of the manual, by path relative to root.
func readPages(root string) (order []string, text map[string]string, err error) {
	order, err = pages(root)
	if err != nil {
		return nil, nil, err
	}
	text = map[string]string{}
	for _, p := range order {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return nil, nil, err
		}
		text[p] = string(data)
	}
	return order, text, nil
}

func beginMarker(name string) string { return "<!-- BEGIN " + name + " -->\n" }
func endMarker(name string) string   { return "<!-- END " + name + " -->" }

// holder returns the one page, in order, whose text holds the generated
// block name.
func holder(order []string, text map[string]string, name string) (string, error) {
	var found []string
	for _, p := range order {
		if strings.Contains(text[p], beginMarker(name)) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no page of %s holds the block %q (%s … %s)",
			strings.Join(order, ", "), name, strings.TrimSpace(beginMarker(name)), endMarker(name))
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("the block %q is in more than one page: %s", name, strings.Join(found, ", "))
	}
}

// blockSpan returns where the body of block name starts and ends in text.
func blockSpan(text, name string) (start, end int, err error) {
	begin := strings.Index(text, beginMarker(name))
	if begin < 0 {
		return 0, 0, fmt.Errorf("marker %q not found", strings.TrimSpace(beginMarker(name)))
	}
	if strings.Count(text, beginMarker(name)) > 1 {
		return 0, 0, fmt.Errorf("marker %q appears more than once", strings.TrimSpace(beginMarker(name)))
	}
	start = begin + len(beginMarker(name))
	j := strings.Index(text[start:], endMarker(name))
	if j < 0 {
		return 0, 0, fmt.Errorf("marker %q not found after %q", endMarker(name), strings.TrimSpace(beginMarker(name)))
	}
	return start, start + j, nil
}

// FindBlock returns the page (relative to root, slash-separated) holding
// the generated block name, `<!-- BEGIN name -->` on a line of its own
// through `<!-- END name -->`, and the text between the two markers. It
// fails when no page of the manual (README.md, docs/*.md) holds the block,
// or when more than one does.
func FindBlock(root, name string) (path, body string, err error) {
	order, text, err := readPages(root)
	if err != nil {
		return "", "", err
	}
	path, err = holder(order, text, name)
	if err != nil {
		return "", "", err
	}
	start, end, err := blockSpan(text[path], name)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", path, err)
	}
	return path, text[path][start:end], nil
}

// ReplaceBlock rewrites the body of the generated block name, in the page
// that holds it (see FindBlock), with body. The markers and the rest of the
// page stay as they are; body is written as given, so it should end with a
// newline.
func ReplaceBlock(root, name, body string) error {
	order, text, err := readPages(root)
	if err != nil {
		return err
	}
	p, err := holder(order, text, name)
	if err != nil {
		return err
	}
	start, end, err := blockSpan(text[p], name)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	file := filepath.Join(root, filepath.FromSlash(p))
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	out := text[p][:start] + body + text[p][end:]
	if err := os.WriteFile(file, []byte(out), info.Mode().Perm()); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}

var (
	configHeading = regexp.MustCompile("^#+ `" + project + ":([a-z]+)`\\s*$")
	configRow     = regexp.MustCompile("^\\| `([A-Za-z]+)` \\|")
)

// ConfigKeys returns the keys the configuration reference documents, as
// `pulumi config set --path` names them ("database.port"), in the order the
// manual lists them: the first cell of each table row ("| `port` |") under
// a heading "`rds-app:<section>`" (of any level), up to the next heading.
// It fails when no page of the manual documents a key.
func ConfigKeys(root string) ([]string, error) {
	order, text, err := readPages(root)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, p := range order {
		section := ""
		for _, l := range proseLines(text[p]) {
			if m := configHeading.FindStringSubmatch(l.text); m != nil {
				section = m[1]
				continue
			}
			if isHeading(l.text) {
				section = ""
				continue
			}
			if m := configRow.FindStringSubmatch(l.text); m != nil && section != "" {
				keys = append(keys, section+"."+m[1])
			}
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no page of the manual has a configuration table (a heading \"`%s:<section>`\" followed by rows \"| `key` |\")", project)
	}
	return keys, nil
}

// line is a line of a page with its 1-based number.
type line struct {
	number int
	text   string
}

// proseLines returns the lines of a markdown page outside fenced code
// blocks, where a "#" starts a shell comment rather than a heading and
// brackets are code rather than links.
func proseLines(text string) []line {
	var out []line
	fence := ""
	for i, l := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(l, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) && strings.TrimSpace(strings.TrimLeft(trimmed, fence[:1])) == "" {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		out = append(out, line{number: i + 1, text: l})
	}
	return out
}

var headingLine = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)

func isHeading(l string) bool { return headingLine.MatchString(l) }

// anchor returns the fragment GitHub gives a heading: lower case, each
// space a hyphen, and every character other than a letter, a digit, a
// hyphen or an underscore dropped (so the backticks of "`rds-app:network`"
// go, and it becomes "rds-appnetwork").
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the fragments a page's headings give, with GitHub's "-1",
// "-2" … suffixes for repeated headings.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range proseLines(text) {
		m := headingLine.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		a := anchor(m[1])
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// link is a markdown link's target as written, and where it is.
type link struct {
	line   int
	target string
}

var (
	inlineCode = regexp.MustCompile("`[^`]*`")
	linkTarget = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
)

// links returns the targets of the inline links of a page, outside code.
func links(text string) []link {
	var out []link
	for _, l := range proseLines(text) {
		// A link's text may be code ([`traffic.go`](…)); its target never is.
		prose := inlineCode.ReplaceAllString(l.text, "code")
		for _, m := range linkTarget.FindAllStringSubmatch(prose, -1) {
			out = append(out, link{line: l.number, target: m[1]})
		}
	}
	return out
}

// external reports whether a link target leaves the repository.
func external(target string) bool {
	return strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:")
}

var anchorLink = regexp.MustCompile(`\]\(#([^)\s]+)\)`)

// resolveAnchors points every same-page link (`](#anchor)`) of a generated
// body that goes into page p at the page that has that heading. The
// settings table's docs name sections of the manual ("see [Scaling
// out](#scaling-out)") without knowing which page a section lives on; that
// is the manual's business, decided here, so that moving a section to
// another page never means editing config/. headings holds each page's
// anchors.
func resolveAnchors(body, p string, order []string, headings map[string]map[string]bool) (string, error) {
	var problems []string
	out := anchorLink.ReplaceAllStringFunc(body, func(m string) string {
		a := anchorLink.FindStringSubmatch(m)[1]
		if headings[p][a] {
			return m
		}
		var found []string
		for _, q := range order {
			if q != p && headings[q][a] {
				found = append(found, q)
			}
		}
		if len(found) != 1 {
			problems = append(problems, fmt.Sprintf("#%s is a heading of %d other pages (%s), not one", a, len(found), strings.Join(found, ", ")))
			return m
		}
		return "](" + relativeTo(p, found[0]) + "#" + a + ")"
	})
	if len(problems) > 0 {
		return "", fmt.Errorf("%s: links to sections of the manual: %s", p, strings.Join(problems, "; "))
	}
	return out, nil
}

// relativeTo returns the link from page from to page to, both relative to
// the root and slash-separated.
func relativeTo(from, to string) string {
	rel, err := filepath.Rel(filepath.Dir(filepath.FromSlash(from)), filepath.FromSlash(to))
	if err != nil { // both are relative to the same root: cannot happen
		return to
	}
	return filepath.ToSlash(rel)
}
