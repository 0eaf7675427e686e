"""Instruments, the lowest domain floor: what a symbol is and how a CSV file is read."""
