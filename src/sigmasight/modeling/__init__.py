"""What-if modeling: sessions of pro-forma trades on a snapshot of a book, and their impact."""
