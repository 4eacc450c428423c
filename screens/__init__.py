"""One module per Textual screen."""
