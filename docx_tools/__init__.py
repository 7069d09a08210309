"""docx_tools."""
