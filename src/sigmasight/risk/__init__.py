"""Portfolio risk: load a book, run the analytics engine, return plain results."""
