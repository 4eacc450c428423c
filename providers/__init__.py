"""Provider adapters: one module per wire format. No Textual, no ``tui`` imports."""
