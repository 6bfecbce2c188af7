"""The report stage's asset and its checks."""
