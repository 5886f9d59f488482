"""The quarterly evaluation (SOP item 14): gather (store → facts), compute (pure), render (HTML, SVG, CSV)."""
