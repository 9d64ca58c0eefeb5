"""Rules: the evaluation framework, the MSI registry, their schema and the check command."""
