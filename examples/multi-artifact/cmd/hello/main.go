// Command hello greets the caller and says which platform it was built for.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	name := "world"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Printf("Hello, %s! (hello, %s/%s)\n", name, runtime.GOOS, runtime.GOARCH)
}
