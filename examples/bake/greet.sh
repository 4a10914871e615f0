#!/bin/sh
echo "greet @VERSION@: hello, ${1:-world}"
