//go:build tools

// Package tools pins kube-score, the fast anchor bench/audit.sh compares
// kubectl audit with; bench/audit.sh builds it the way testenv builds its Go
// binaries.
package tools

import _ "github.com/zegl/kube-score/cmd/kube-score"
