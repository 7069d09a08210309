"""taskpane."""
