// Command krew-template renders a krew manifest template with Go's
// text/template, the engine krew-release-bot renders templates with, and the
// addURIAndSha function as the bot defines it (the URL is itself a template
// over the tag; the result is the uri line and, at four spaces, the sha256
// line), except that the archive's digest is read from a local directory
// instead of downloaded from the release.
//
//	krew-template TAG DIR TEMPLATE
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"
)

type values struct {
	TagName string
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: krew-template TAG DIR TEMPLATE")
		os.Exit(2)
	}
	tag, dir, file := os.Args[1], os.Args[2], os.Args[3]
	addURIAndSha := func(url, tag string) (string, error) {
		parsed, err := template.New("url").Parse(url)
		if err != nil {
			return "", err
		}
		var uri strings.Builder
		if err := parsed.Execute(&uri, values{tag}); err != nil {
			return "", err
		}
		bytes, err := os.ReadFile(filepath.Join(dir, path.Base(uri.String())))
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(bytes)
		return fmt.Sprintf("uri: %s\n    sha256: %s", uri.String(), hex.EncodeToString(sum[:])), nil
	}
	t, err := template.New(filepath.Base(file)).
		Funcs(template.FuncMap{"addURIAndSha": addURIAndSha}).
		ParseFiles(file)
	if err == nil {
		err = t.Execute(os.Stdout, values{tag})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "krew-template:", err)
		os.Exit(1)
	}
}
