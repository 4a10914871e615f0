module example.com/test-gate

go 1.26
