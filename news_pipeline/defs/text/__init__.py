"""The text stage's asset and its checks."""
