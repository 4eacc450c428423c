"""Issue 6, "prove it holds": crash safety, concurrent writers, provider faults, fuzzed input, secrets, scale."""
