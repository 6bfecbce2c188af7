"""The fetch stage's asset and its checks."""
