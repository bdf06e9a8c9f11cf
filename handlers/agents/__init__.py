"""The agents' side: the desk, its grammar, the promise watch, the console and the Telegram
agents' group."""
