#!/usr/bin/python3
"""Plots nf_bench's results: the figures of one or more sweeps.

The command line and what it does: tools/nfbench/plot.py (`plot.py --help`)."""

import sys

from nfbench.plot import main

if __name__ == "__main__":
    sys.exit(main())
