module example.com/e2e/targets

go 1.26
