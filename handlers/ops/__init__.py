"""The operator's log: one structured line per thing that happens to a ticket or a failed turn."""
