// Command fortune prints one saying, chosen by the day of the year so that
// it changes daily but the same day always gives the same one.
package main

import (
	"fmt"
	"time"
)

var sayings = []string{
	"Build once, copy only what you need.",
	"The smallest image has nothing to patch.",
	"A cache mount is a layer you never ship.",
	"Cross-compile on the build platform; emulate only when you must.",
}

func main() {
	fmt.Println(sayings[time.Now().YearDay()%len(sayings)])
}
