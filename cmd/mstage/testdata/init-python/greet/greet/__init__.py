"""Greets, and says which machine the interpreter runs on."""

import platform
import sys


def greet(name):
    return "hello, %s from %s" % (name, platform.machine())


def main():
    print(greet(sys.argv[1] if len(sys.argv) > 1 else "world"))
