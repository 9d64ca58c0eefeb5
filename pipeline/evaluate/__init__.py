"""Evaluate: metrics against gold labels, ranking figures, attribution accuracy, analysed files."""
