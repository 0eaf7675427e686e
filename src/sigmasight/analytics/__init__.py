"""Pure, vectorised numpy analytics: option pricing, Greeks, implied and realised volatility."""
