"""Greets, and says which machine the interpreter runs on."""

import platform
import sys


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "world"
    print("hello, %s from %s" % (name, platform.machine()))
