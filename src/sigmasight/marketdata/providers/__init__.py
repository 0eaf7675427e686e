"""Market-data providers: polygon, yfinance, file and synthetic, behind one interface."""
