#!/usr/bin/python3
"""The regression gate: compares a baseline and a contender sweep; exit 1 on a regression.

The command line and what it does: tools/nfbench/gate.py (`gate.py --help`)."""

import sys

from nfbench.gate import main

if __name__ == "__main__":
    sys.exit(main())
