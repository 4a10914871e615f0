#!/bin/sh
echo "serve @VERSION@: listening on :8080"
exec httpd -f -p 8080 -h /tmp
