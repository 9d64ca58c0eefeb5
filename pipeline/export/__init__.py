"""Export: the evidence table (CSV, XLSX), the coverage matrix and its plot, the HTML report."""
