"""The stories stage's asset and its checks."""
