"""The editorial stage's asset and its checks."""
