module example.com/builder-target

go 1.26
