// Command hello prints a greeting.
package main

import "fmt"

// TODO(example): read the name from a flag; the dev image's `todo` tool lists this line.
func main() {
	fmt.Println("Hello from the builder-target example!")
}
