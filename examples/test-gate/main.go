// Command wordcount counts the words on standard input, or in the files
// named as arguments, and prints the total.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	var total int
	if len(os.Args) == 1 {
		n, err := countWords(os.Stdin)
		if err != nil {
			fail(err)
		}
		total = n
	}
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fail(err)
		}
		n, err := countWords(f)
		f.Close()
		if err != nil {
			fail(err)
		}
		total += n
	}
	fmt.Println(total)
}

func countWords(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Split(bufio.ScanWords)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wordcount:", err)
	os.Exit(1)
}
