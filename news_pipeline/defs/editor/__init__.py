"""The editor's asset (edited_stories) and its check."""
