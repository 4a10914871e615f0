"""Prints a greeting from the local greet package."""

import sys

import greet

print(greet.greet(sys.argv[1] if len(sys.argv) > 1 else "world"))
