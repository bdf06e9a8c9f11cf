"""The turn pipeline and what runs turns: the lock, the outbox, failed-turn retries, the
draft timers."""
