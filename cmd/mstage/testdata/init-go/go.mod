module example.com/team/hello-svc

go 1.25.3
