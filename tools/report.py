#!/usr/bin/python3
"""Writes the Markdown report of one nf_bench sweep.

The command line and what it does: tools/nfbench/report/ (`report.py --help`)."""

import sys

from nfbench.report import main

if __name__ == "__main__":
    sys.exit(main())
