"""The channels: one adapter each, platform input into one Inbound, Replies back out."""
