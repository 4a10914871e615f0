package hostile

import (
	"fmt"
	"strings"
)

// includeCases are specs whose includes loop, nest, fan out, leave the
// spec's directory, or split what the limits bound among several files.
func includeCases() []Case {
	const head = "version: 1\n"
	return []Case{
		{Name: "include-self", Src: head + "include: [mstage.yaml]\nruntimes:\n  r: {}\n"},
		{Name: "include-self-fragment", Src: head + "include: [a.yaml]\n",
			Files: map[string]string{"a.yaml": "include: [./a.yaml]\nruntimes:\n  r: {}\n"}},
		{Name: "include-cycle", Src: head + "include: [ci/a.yaml]\n",
			Files: map[string]string{"ci/a.yaml": "include: [b.yaml]\n", "ci/b.yaml": "include: [../mstage.yaml]\n"}},
		{Name: "include-chain-100", Src: head + "include: [f0.yaml]\n", Files: IncludeChain(100)},
		{Name: "include-fanout-100", Src: IncludeFanout(100), Files: IncludeFanoutFiles(100)},
		{Name: "include-escape", Src: head + "include: [ci/../../secrets.yaml]\n"},
		{Name: "include-absolute", Src: head + "include: [/etc/passwd]\n"},
		{Name: "include-bytes", Src: head + "include: [a.yaml, b.yaml]\n", Files: map[string]string{
			"a.yaml": "x-pad: " + strings.Repeat("a", 300<<10) + "\nruntimes:\n  a: {}\n",
			"b.yaml": "x-pad: " + strings.Repeat("b", 300<<10) + "\nruntimes:\n  b: {}\n",
		}},
		{Name: "include-stages", Src: head + "include: [a.yaml, b.yaml]\n", Files: map[string]string{
			"a.yaml": fragmentStages("a", 1_500),
			"b.yaml": fragmentStages("b", 1_500),
		}},
		{Name: "include-nodes", Src: head + "include: [a.yaml, b.yaml]\n", Files: map[string]string{
			"a.yaml": aliasedNodes(120_000),
			"b.yaml": aliasedNodes(120_000),
		}},
	}
}

// IncludeChain is n files, each including the next.
func IncludeChain(n int) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("f%d.yaml", i)] = fmt.Sprintf("include: [f%d.yaml]\nruntimes:\n  r%d: {}\n", i+1, i)
	}
	files[fmt.Sprintf("f%d.yaml", n)] = "runtimes:\n  last: {}\n"
	return files
}

// IncludeFanout is a spec that includes n files.
func IncludeFanout(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\ninclude:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - f%d.yaml\n", i)
	}
	return b.String()
}

// IncludeFanoutFiles are the n files of IncludeFanout.
func IncludeFanoutFiles(n int) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("f%d.yaml", i)] = fmt.Sprintf("runtimes:\n  r%d: {}\n", i)
	}
	return files
}

func fragmentStages(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("runtimes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  %s%d: {}\n", prefix, i)
	}
	return b.String()
}

// aliasedNodes is a fragment whose x- key expands, through aliases, to
// about n nodes.
func aliasedNodes(n int) string {
	var b strings.Builder
	b.WriteString("x-a: &a [" + strings.Repeat("a, ", 99) + "a]\nx-b: [")
	for i := range n / 101 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*a")
	}
	b.WriteString("]\nruntimes:\n  r" + fmt.Sprint(n) + ": {}\n")
	return b.String()
}
