#!/usr/bin/python3
"""Calibration of the regression gate on sweeps of this machine.

The command line and what it does: tools/nfbench/calibrate.py (`calibrate_gate.py --help`)."""

import sys

from nfbench.calibrate import main

if __name__ == "__main__":
    sys.exit(main())
