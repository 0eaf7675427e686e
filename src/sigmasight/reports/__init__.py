"""Trade and portfolio exports: pure renderers of orders and tables to FIX, CSV, JSON, XLSX."""
