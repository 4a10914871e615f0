package main

import "fmt"

func main() {
	fmt.Println("mstage e2e")
}
