"""The configuration bundle: one versioned value holding everything the bot's behaviour
depends on (dialogs.bundle.model), as plain data and YAML, compared item by item, checked
before publishing, and turned into what the engine runs on (dialogs.bundle.behaviour)."""
