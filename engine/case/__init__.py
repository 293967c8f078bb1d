"""A case: its stored workflow, task index, team, consents, notes, access and read models."""
