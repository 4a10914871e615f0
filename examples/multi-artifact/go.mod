module example.com/multi-artifact

go 1.26
