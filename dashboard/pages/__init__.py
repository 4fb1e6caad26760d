"""Dashboard pages: one module per page, each with its layout and callbacks."""
